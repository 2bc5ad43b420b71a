import datetime as dt

from okuyami.core.urgency import urgency

TODAY = dt.date(2026, 11, 23)


def test_labels_and_levels():
    cases = [
        (None, None, "none", ""),
        (dt.date(2026, 11, 20), -3, "overdue", "期限切れ（3日超過）"),
        (TODAY, 0, "today", "今日まで"),
        (dt.date(2026, 11, 30), 7, "urgent", "あと7日"),
        (dt.date(2026, 12, 1), 8, "soon", "あと8日"),
        (dt.date(2026, 12, 8), 15, "later", "あと15日"),
    ]
    for deadline, left, level, label in cases:
        u = urgency(deadline, TODAY)
        assert (u.days_left, u.level, u.label_ja()) == (left, level, label)
    assert urgency(dt.date(2026, 11, 30), TODAY).is_urgent
    assert not urgency(dt.date(2026, 12, 1), TODAY).is_urgent


def test_sort_puts_overdue_then_urgent_first_and_no_deadline_last():
    deadlines = [None, dt.date(2027, 3, 15), dt.date(2026, 11, 25), dt.date(2026, 11, 10), dt.date(2026, 12, 2)]
    ordered = sorted(deadlines, key=lambda d: urgency(d, TODAY).sort_key)
    assert ordered == [dt.date(2026, 11, 10), dt.date(2026, 11, 25), dt.date(2026, 12, 2), dt.date(2027, 3, 15), None]
