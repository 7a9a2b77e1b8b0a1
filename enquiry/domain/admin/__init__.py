"""Administration verbs: staff users, departments, routing rules and canned replies.

Each verb validates like the rest of the domain, raises a named error (an AdminError: invalid
input, or a conflict with the current state) whose message says why, writes an audit event with
the state before and after, and flushes; the caller commits. Messages are English msgids,
translated by the view that shows them.
"""

from enquiry.domain.admin.common import AdminError, ConflictError, InvalidInputError
from enquiry.domain.admin.departments import (
    DefaultDepartmentError,
    DepartmentFields,
    DepartmentInUseError,
    create_department,
    delete_department,
    department_references,
    make_default,
    set_department_active,
    update_department,
)
from enquiry.domain.admin.replies import (
    PLACEHOLDERS,
    REPLY_LOCALES,
    ReplyFields,
    create_reply,
    fill_placeholders,
    set_reply_active,
    update_reply,
)
from enquiry.domain.admin.rules import (
    PRIORITY_MAX,
    PRIORITY_MIN,
    RuleFields,
    RuleInUseError,
    create_rule,
    delete_rule,
    update_rule,
)
from enquiry.domain.admin.users import (
    LastAdminError,
    SelfChangeError,
    UserFields,
    create_account,
    reset_totp,
    set_account_active,
    unlock_account,
    update_account,
)

__all__ = [
    "PLACEHOLDERS",
    "PRIORITY_MAX",
    "PRIORITY_MIN",
    "REPLY_LOCALES",
    "AdminError",
    "ConflictError",
    "DefaultDepartmentError",
    "DepartmentFields",
    "DepartmentInUseError",
    "InvalidInputError",
    "LastAdminError",
    "ReplyFields",
    "RuleFields",
    "RuleInUseError",
    "SelfChangeError",
    "UserFields",
    "create_account",
    "create_department",
    "create_reply",
    "create_rule",
    "delete_department",
    "delete_rule",
    "department_references",
    "fill_placeholders",
    "make_default",
    "reset_totp",
    "set_account_active",
    "set_department_active",
    "set_reply_active",
    "unlock_account",
    "update_account",
    "update_department",
    "update_reply",
    "update_rule",
]
