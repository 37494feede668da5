"""Notify's actions in the policy table (core.policy): who may send a notice where."""

from jinlin.core import policy

from .selectors import BROADCAST_ROLES, reaches

policy.register(
    policy.Policy(
        action="notify.broadcast",
        roles=BROADCAST_ROLES,
        bound=reaches,
        refusal="You may send notices only to a building, estate, grid or community in your own area.",
    ),
)
