"""The fixed demo accounts (README lists them). They exist only after `jinlin seed --demo`."""

DEMO_PASSWORD = "jinlin2026"

# phone → (role, what the account is for); the seed binds each to its org unit.
DEMO_ACCOUNTS = {
    "13900000001": "resident",
    "13900000002": "grid_worker",
    "13900000003": "community_staff",
    "13900000004": "dispatcher",
    "13900000005": "department_handler",
    "13900000006": "discipline_supervisor",
    "13900000007": "platform_admin",
    "13900000008": "grid_worker",
    "13900000009": "police_officer",
    # The city command centre's dispatcher: sees every district of the city.
    "13900000010": "dispatcher",
}
# Thirty more residents living in G1's community (13900000101–13900000130), for trying what needs
# many people: activities, votes, surveys.
DEMO_RESIDENTS = [f"139000001{n:02d}" for n in range(1, 31)]
DEMO_ACCOUNTS.update(dict.fromkeys(DEMO_RESIDENTS, "resident"))
DEMO_PHONES = list(DEMO_ACCOUNTS)
