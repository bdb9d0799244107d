"""Who may see what: local accounts and SSO mapping, roles, masking, audit.

No Streamlit here: the sign-in form lives in the UI; this package decides.
"""
from .users import LOCAL_USER, AuthError, User, UserStore, idle_expired, sso_identity, sso_user

__all__ = ["LOCAL_USER", "AuthError", "User", "UserStore", "idle_expired", "sso_identity",
           "sso_user"]
