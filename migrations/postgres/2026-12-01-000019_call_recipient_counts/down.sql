DROP TABLE call_recipient_counts;
