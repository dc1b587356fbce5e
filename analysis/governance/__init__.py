"""Who may do what, how long a sign-in lasts, and the audit trail of every change."""
