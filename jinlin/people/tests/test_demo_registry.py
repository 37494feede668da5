from jinlin.core.models import User
from jinlin.people.models import Household, Pairing, Resident


def test_every_building_gets_households_and_the_resident_accounts_become_householders(district):
    assert Household.objects.filter(unit_code__startswith="350102001001E01B01").count() >= 4
    assert Household.objects.filter(unit_code__startswith="350102001002E01B01").count() >= 2
    for phone in ["13800000001", "13800000004", "13900000001"]:
        resident = Resident.objects.get(user__phone_digest=User.digest_phone(phone))
        assert resident.relation == "户主"
        assert resident.phone == phone


def test_the_elder_13900000012_lives_alone_in_g1_with_a_weekly_pairing_to_the_grid_worker(district):
    elder = User.objects.get_by_phone("13900000012")
    assert elder.check_password("jinlin2026")
    resident = Resident.objects.get(user=elder)
    assert resident.scope_code == "350102001001001"
    assert {t.tag for t in resident.tags.all()} >= {"独居", "高龄"}
    assert resident.household.residents.count() == 1
    pairing = Pairing.objects.get(household=resident.household)
    assert pairing.carer == User.objects.get_by_phone("13900000002")
    assert pairing.every_days == 7
