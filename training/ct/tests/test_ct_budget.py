"""The round budget of ct.federated only ever shortens the plan, so the cosine schedule never reaches its floor
before the last planned round (the 24-round experiment of issue 13 ran rounds 9-24 at the floor)."""
from ct.federated import cosine_lr, plan_rounds


def test_budget_shortens_a_plan_that_does_not_fit():
    # 600 s left, 100 s per round, no baselines: 2 done + 6 more = 8 in all
    assert plan_rounds(2, 24, 100.0, 90.0, 600.0, False) == 8
    # with local baselines (90 s per round each): (R - 2) * 100 + R * 90 <= 600 -> R = 4
    assert plan_rounds(2, 24, 100.0, 90.0, 600.0, True) == 4


def test_budget_never_grows_the_plan():
    assert plan_rounds(3, 8, 10.0, 9.0, 10_000.0, True) == 8      # a quieter machine keeps the plan
    assert plan_rounds(3, 8, 10.0, 9.0, -50.0, True) == 3         # over budget: stop now, never below done


def test_schedule_stays_above_its_floor_until_the_last_round():
    """Replays a run whose rounds get faster after a slow start: the plan shrinks once and then stays."""
    planned, r, base = 24, 0, 2e-3
    left = 3000.0
    lrs = []
    while r < planned:
        r += 1
        lrs.append(cosine_lr(base, r - 1, planned))
        per_round = 300.0 if r <= 2 else 60.0
        left -= per_round
        if r < planned:
            planned = plan_rounds(r, planned, per_round, per_round, left, False)
    assert r == planned < 24
    floor = cosine_lr(base, 1, 1)
    assert all(lr > floor * 1.01 for lr in lrs)
    assert all(a >= b for a, b in zip(lrs, lrs[1:]))                 # shortening only ever lowers the lr
