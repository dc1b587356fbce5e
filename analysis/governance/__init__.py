"""Who may do what, and the record of it.

``access`` (sign-in settings, the roles editor and viewer, which changes a viewer may make, the sign-in proxy's
check), ``sign_in`` (how long a sign-in lasts; sign-outs kept in the store, so signing out ends every session) and
``audit`` (the audit trail: who changed what, when, and which version of the data it left).
"""
