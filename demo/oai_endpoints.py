"""The simulator's OAI-PMH endpoints: Identify and ListRecords pages of the academies' repositories."""

from __future__ import annotations

import base64
from xml.sax.saxutils import escape

from demo.feeds import now_iso, parse_ts

OAI_PAGE_SIZE = 200


class OaiEndpoints:
    """The OAI-PMH half of `SourceSimulator` (its records, listings and faults are the simulator's)."""

    def _oai(self, handler, repo: str, query: dict):
        base = f"{self.base_url}/oai/{repo}"
        verb = query.get("verb")
        if repo not in self.repositories:
            return handler._send(404, b"unknown repository", "text/plain")
        if verb == "Identify":
            body = (
                f"<Identify><repositoryName>{escape(repo)}</repositoryName><baseURL>{escape(base)}</baseURL>"
                "<protocolVersion>2.0</protocolVersion><earliestDatestamp>2000-01-01T00:00:00Z</earliestDatestamp>"
                "<deletedRecord>persistent</deletedRecord><granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>"
            )
            return self._oai_reply(handler, query, body)
        if verb != "ListRecords":
            return self._oai_error(handler, query, "badVerb", f"verb {verb!r} is not supported here")
        if "resumptionToken" in query:
            try:
                since, until, set_spec, offset = base64.urlsafe_b64decode(query["resumptionToken"]).decode().split("|")
                offset = int(offset)
            except Exception:
                return self._oai_error(handler, query, "badResumptionToken", "the resumption token is not valid")
        else:
            if query.get("metadataPrefix") != "oai_dc":
                return self._oai_error(handler, query, "cannotDisseminateFormat", "only oai_dc is offered")
            since = parse_ts(query["from"]) if query.get("from") else ""
            until = parse_ts(query["until"]) if query.get("until") else ""
            set_spec, offset = query.get("set", ""), 0
        records = self._listing(
            ("oai", repo, since, until, set_spec),
            lambda: sorted(
                (
                    r
                    for r in self.repositories[repo]
                    if r["datestamp"] >= since
                    and (not until or r["datestamp"] <= until)
                    and (not set_spec or r["set"] == set_spec)
                ),
                key=lambda r: (r["datestamp"], r["identifier"]),
            ),
        )
        if not records:
            return self._oai_error(handler, query, "noRecordsMatch", "no records match the request")
        fault = self._pick_fault()
        asked, offset = offset, (offset - OAI_PAGE_SIZE if fault == "served_twice" and offset else offset)
        chunk = records[offset : offset + OAI_PAGE_SIZE]
        self.requests.append((handler.path, len(chunk)))
        parts = ["<ListRecords>"] + [self._encoded[id(r)] for r in chunk]
        if offset + OAI_PAGE_SIZE < len(records):
            following = asked if offset < asked else offset + OAI_PAGE_SIZE
            token = base64.urlsafe_b64encode(f"{since}|{until}|{set_spec}|{following}".encode()).decode()
            parts.append(
                f'<resumptionToken completeListSize="{len(records)}" cursor="{offset}">{token}</resumptionToken>'
            )
        elif offset:
            parts.append(f'<resumptionToken completeListSize="{len(records)}" cursor="{offset}"/>')
        parts.append("</ListRecords>")
        self._oai_reply(handler, query, "".join(parts), fault)

    def _oai_reply(self, handler, query: dict, inner: str, fault: str | None = None):
        attrs = " ".join(f'{k}="{escape(v)}"' for k, v in query.items() if k in ("verb", "metadataPrefix", "from"))
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            f"<responseDate>{now_iso()}</responseDate><request {attrs}>{escape(handler.path)}</request>"
            f"{inner}</OAI-PMH>"
        )
        handler._send(200, xml.encode("utf-8"), "text/xml; charset=utf-8", fault)

    def _oai_error(self, handler, query: dict, code: str, message: str):
        self._oai_reply(handler, query, f'<error code="{code}">{escape(message)}</error>')
