import pytest
from django.core.exceptions import PermissionDenied

from jinlin.core import policy
from jinlin.core.models import Role
from jinlin.core.scope import covers

from .factories import make_tree, make_user

pytestmark = pytest.mark.django_db


class Thing:
    def __init__(self, scope_code: str, owner=None, open_: bool = True):
        self.scope_code = scope_code
        self.owner = owner
        self.open = open_


@pytest.fixture(autouse=True)
def thing_policies():
    saved = dict(policy._TABLE)
    policy.register(
        policy.Policy(
            "thing.close",
            roles=frozenset({Role.GRID_WORKER, Role.DISPATCHER}),
            bound=lambda a, t: covers(a, t.scope_code),
            personal=lambda u, t: t.owner == u,
            state=lambda t: t.open,
            refusal="Only the grid's worker may close it.",
        ),
        policy.Policy("thing.look", roles=frozenset({Role.RESIDENT})),
    )
    yield
    policy._TABLE.clear()
    policy._TABLE.update(saved)


def test_a_role_bound_over_the_object_is_granted_with_its_binding():
    tree = make_tree()
    worker = make_user("13700000002", Role.GRID_WORKER, tree.grid_a)
    grant = policy.require(worker, "thing.close", Thing(tree.grid_a.code + "X"))
    assert grant.org == tree.grid_a


def test_a_dispatcher_bound_to_the_command_centre_reaches_the_whole_district():
    tree = make_tree()
    dispatcher = make_user("13700000004", Role.DISPATCHER, tree.centre)
    assert policy.allows(dispatcher, "thing.close", Thing(tree.grid_b.code))


def test_a_role_bound_elsewhere_is_refused_in_the_users_words():
    tree = make_tree()
    worker = make_user("13700000002", Role.GRID_WORKER, tree.grid_a)
    with pytest.raises(PermissionDenied, match="grid's worker"):
        policy.require(worker, "thing.close", Thing(tree.grid_b.code))


def test_the_owner_is_granted_personally_without_a_role_binding():
    tree = make_tree()
    resident = make_user("13700000001", Role.RESIDENT, tree.building_a)
    grant = policy.require(resident, "thing.close", Thing(tree.grid_b.code, owner=resident))
    assert grant.assignment is None


def test_a_closed_object_refuses_everyone_and_offers_no_button():
    tree = make_tree()
    worker = make_user("13700000002", Role.GRID_WORKER, tree.grid_a)
    closed = Thing(tree.grid_a.code, owner=worker, open_=False)
    assert not policy.allows(worker, "thing.close", closed)
    assert policy.allowed_actions(worker, closed, "thing.") == []


def test_allowed_actions_lists_exactly_what_require_accepts():
    tree = make_tree()
    resident = make_user("13700000001", Role.RESIDENT, tree.building_a)
    thing = Thing(tree.grid_a.code)
    offered = policy.allowed_actions(resident, thing, "thing.")
    assert offered == ["thing.look"]
    for action in policy.actions("thing."):
        accepted = True
        try:
            policy.require(resident, action, thing)
        except PermissionDenied:
            accepted = False
        assert accepted == (action in offered)


def test_an_anonymous_visitor_is_granted_nothing():
    assert policy.grant(None, "thing.look") is None


def test_an_action_without_a_policy_is_a_programming_error():
    with pytest.raises(LookupError):
        policy.allows(None, "thing.unknown")


def test_registering_a_different_policy_under_the_same_name_is_refused():
    with pytest.raises(ValueError):
        policy.register(policy.Policy("thing.look", roles=frozenset({Role.DISPATCHER})))
