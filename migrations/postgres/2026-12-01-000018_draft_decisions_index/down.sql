DROP INDEX decisions_drafts;
