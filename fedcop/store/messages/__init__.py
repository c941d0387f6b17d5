"""Direct messages' SQL: who a message is for, each person's conversations, the activities that
carry messages, and what a community sent its members privately (check-ins, welcomes)."""
