DROP TABLE case_message_files;
DROP TABLE case_messages;
