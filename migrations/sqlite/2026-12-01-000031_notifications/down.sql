DROP INDEX notifications_sent_recipient;
DROP TABLE notifications_sent;
