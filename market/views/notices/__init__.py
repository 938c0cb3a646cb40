"""The reader's notifications: the list, marking read, and the choice of e-mails."""
