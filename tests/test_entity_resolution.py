"""Entity resolution and duplicate tasks after a national_refresh of the small demo, against its ground truth."""

from tests.conftest import ground_truth as _truth


def test_entities_from_several_sources_are_one_row_each(published, demo_dir):
    count = lambda table: published.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]  # noqa: E731
    assert count("core.dim_organization") == len({r["entity_id"] for r in _truth(demo_dir, "organizations")})
    people = len({r["entity_id"] for r in _truth(demo_dir, "researchers")})
    assert abs(count("core.dim_researcher") - people) <= people * 0.005
    # every alias a source used is kept, and resolves to one organisation
    aliases = published.execute(
        "SELECT org_id, count(DISTINCT alias_received) FROM core.organization_alias "
        "GROUP BY ALL ORDER BY 2 DESC LIMIT 1"
    ).fetchall()
    assert aliases[0][1] > 1


def test_duplicate_tasks_are_listed_for_review_with_reasons(published, demo_dir):
    rows = published.execute(
        "SELECT source_a, source_b, score, reasons_vi, reasons_en, cluster_id FROM marts.task_duplicate_candidates"
    ).fetchall()
    found = {frozenset((a, b)) for a, b, *_ in rows}
    truth = {
        frozenset((f"{r['source_system_a']}:{r['source_id_a']}", f"{r['source_system_b']}:{r['source_id_b']}"))
        for r in _truth(demo_dir, "task_duplicates")
    }
    broken = {f"{d['source_system']}:{d['source_id']}" for d in _truth(demo_dir, "defects")}
    truth = {pair for pair in truth if not pair & broken}  # a quarantined task cannot be listed
    hits = len(found & truth)
    assert hits / len(found) >= 0.85 and hits / len(truth) >= 0.9, (hits, len(found), len(truth))
    assert all(
        0 < score <= 1 and "tên gần trùng" in vi and "titles nearly the same" in en for *_, score, vi, en, _ in rows
    )
