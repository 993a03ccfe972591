from .imports import ImportJob
from .memberships import Membership
from .programmes import Goal, Programme
from .reports import Report
from .tasks import Assignment, Task
from .unit_search import UnitSearchKey
from .units import Unit

__all__ = [
    "Assignment",
    "Goal",
    "ImportJob",
    "Membership",
    "Programme",
    "Report",
    "Task",
    "Unit",
    "UnitSearchKey",
]
