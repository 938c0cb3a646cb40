"""Pages of the lending workflow: requests, offers, loans, receivables."""
