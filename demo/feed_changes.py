"""What changes in the simulated senders between runs: edits, late records, withdrawals, deletions, report drops."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from demo.feeds import json_item, now_iso, oai_record, sort_by_change


class FeedChanges:
    """The changes a test or benchmark makes to `SourceSimulator`'s feeds (under its lock)."""

    def drop_reports(self, intake_dir: Path, pattern: str = "*") -> list[Path]:
        intake_dir = Path(intake_dir)
        intake_dir.mkdir(parents=True, exist_ok=True)
        dropped = []
        for path in sorted(p for p in (self.demo_dir / "reports").glob(pattern) if p.is_file()):
            target = intake_dir / path.name
            shutil.copyfile(path, target)
            dropped.append(target)
        return dropped

    def touch(self, fraction: float, seed: int = 7) -> dict[str, int]:
        """Marks a fraction of every feed as changed now (a corrected title or name); returns counts."""
        rng, stamp, changed = random.Random(seed), now_iso(), {}
        with self.lock:
            self._listings.clear()
            for (_ministry, resource), items in self.ministries.items():
                touched = rng.sample(items, k=int(len(items) * fraction))
                for item in touched:
                    item["updated_at"] = stamp
                    for field in ("title", "name", "full_name"):
                        if item.get(field):
                            item[field] = item[field].rstrip(" *") + " *"
                self._encode(touched, json_item)
                sort_by_change(items)
                changed[resource] = changed.get(resource, 0) + len(touched)
            for _repo, records in self.repositories.items():
                touched = rng.sample(records, k=int(len(records) * fraction))
                for rec in touched:
                    rec["datestamp"] = stamp
                    rec["title"] = rec["title"].rstrip(" *") + " *"
                self._encode(touched, oai_record)
                changed["publications"] = changed.get("publications", 0) + len(touched)
        return changed

    def add_ministry_record(self, ministry: str, resource: str, item: dict) -> None:
        """A ministry enters a record late: it carries its own `updated_at`, which may be older than
        what other ministries have changed since (a lagging clock, or a backlog entered today)."""
        with self.lock:
            self._listings.clear()
            feed = self.ministries.setdefault((ministry.lower(), resource), [])
            feed.append(item)
            self._encode([item], json_item)
            sort_by_change(feed)

    def add_repository_record(self, repo: str, record: dict) -> None:
        """A repository publishes a record with its own, possibly older, datestamp (see add_ministry_record)."""
        with self.lock:
            self._listings.clear()
            self.repositories[repo].append(record)
            self._encode([record], oai_record)

    def withdraw(self, fraction: float, seed: int = 17) -> list[tuple[str, str]]:
        """Managing bodies withdraw a fraction of their tasks: the API keeps serving them, marked
        `status = "da_rut"` (withdrawn) with `withdrawn_at` and a new `updated_at`."""
        rng, stamp, withdrawn = random.Random(seed), now_iso(), []
        with self.lock:
            self._listings.clear()
            for (ministry, resource), items in self.ministries.items():
                if resource == "tasks":
                    chosen = rng.sample(items, k=int(len(items) * fraction))
                    for item in chosen:
                        item.update(status="da_rut", withdrawn_at=stamp, updated_at=stamp)
                        withdrawn.append((ministry.upper(), item["source_id"]))
                    self._encode(chosen, json_item)
                    sort_by_change(items)
        return withdrawn

    def delete(self, fraction: float, seed: int = 13) -> list[tuple[str, str]]:
        """The repositories delete a fraction of their records (OAI-PMH `status="deleted"`, datestamp now)."""
        rng = random.Random(seed)
        with self.lock:
            deleted = [
                (repo, rec["identifier"])
                for repo, records in self.repositories.items()
                for rec in rng.sample([r for r in records if not r.get("malformed")], k=int(len(records) * fraction))
            ]
        self.delete_records(deleted)
        return deleted

    def delete_records(self, keys: list[tuple[str, str]]) -> None:
        """The repositories delete these records, (repository, OAI identifier): `status="deleted"`, datestamp now."""
        stamp, wanted = now_iso(), set(keys)
        with self.lock:
            self._listings.clear()
            chosen = [
                rec
                for repo, records in self.repositories.items()
                for rec in records
                if (repo, rec["identifier"]) in wanted
            ]
            for rec in chosen:
                rec["deleted"], rec["datestamp"] = True, stamp
            self._encode(chosen, oai_record)
