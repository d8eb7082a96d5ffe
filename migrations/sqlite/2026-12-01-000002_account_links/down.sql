DROP TABLE outbox_redactions;
DROP TABLE account_links;
