"""A small corpus of OAI-PMH 2.0 repositories as each product writes its replies, served on loopback.

Written after the OAI-PMH 2.0 specification and what each product sends:
- DSpace 1.x (OAICat): one-line replies, opaque tokens, an empty final `<resumptionToken/>`, `dc:date`
  in the order accessioned, available, issued, DOIs as `http://dx.doi.org/...`, deleted records.
- DSpace 5+ (XOAI): pretty-printed, a stylesheet instruction, tokens `oai_dc////2` with `cursor` and
  `completeListSize`, the last page ends with an empty token that keeps its attributes, `com_`/`col_`
  sets (several per record), titles with `xml:lang`.
- EPrints 3: the citation in `dc:identifier`, the DOI in `dc:relation`, tokens like
  `metadataPrefix%3Doai_dc%26offset%3D3`, a description with a character XML 1.0 forbids.
- InvenioRDM (Zenodo): every OAI error with HTTP 422, tokens with `expirationDate`, DOIs in
  `dc:identifier` and OpenAIRE `info:eu-repo/semantics/altIdentifier/doi/...` relations.
- Dataverse: `doi:10.7910/DVN/...` identifiers, datasets.
- A day-granularity repository (`YYYY-MM-DD`): answers a `from` with seconds with `badArgument`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

OAI_ROOT = (
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">'
)
OAI_DC = (
    '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd">'
)


def record(
    identifier: str, datestamp: str, sets: list[str], dc: str = "", deleted: bool = False, newline: str = ""
) -> str:
    status = ' status="deleted"' if deleted else ""
    header = (
        f"<header{status}>{newline}<identifier>{identifier}</identifier>{newline}<datestamp>{datestamp}</datestamp>"
        + "".join(f"{newline}<setSpec>{s}</setSpec>" for s in sets)
        + f"{newline}</header>"
    )
    if deleted:
        return f"<record>{newline}{header}{newline}</record>"
    return f"<record>{newline}{header}{newline}<metadata>{newline}{OAI_DC}{newline}{dc}{newline}</oai_dc:dc>{newline}</metadata>{newline}</record>"


def identify(name: str, granularity: str, deleted: str, earliest: str, extra: str = "") -> str:
    return (
        f"<Identify><repositoryName>{name}</repositoryName><baseURL>BASE</baseURL><protocolVersion>2.0</protocolVersion>"
        f"<adminEmail>oai@example.vn</adminEmail><earliestDatestamp>{earliest}</earliestDatestamp>"
        f"<deletedRecord>{deleted}</deletedRecord><granularity>{granularity}</granularity>{extra}</Identify>"
    )


@dataclass
class Repository:
    """One repository: its Identify, its records (in datestamp order), how it pages and how it errs."""

    name: str
    identify: str
    records: list[str]
    page_size: int = 2
    token: Callable[[int, int, int], str] = lambda key, cursor, total: f"<resumptionToken>t{key}</resumptionToken>"
    last_token: Callable[[int, int], str] = lambda cursor, total: "<resumptionToken/>"
    error_status: int = 200  # the HTTP status OAI errors are sent with (InvenioRDM: 422)
    day_granularity: bool = False
    prolog: str = ""  # e.g. a stylesheet instruction
    newline: str = ""  # pretty-printed products put their elements on lines of their own
    # a hook answering (status, body bytes) before the protocol, or None: failures and one-off faults
    intercept: Callable[[Repository, dict], tuple[int, bytes] | None] | None = None
    asked: list[dict] = field(default_factory=list)  # every query received
    tokens: dict[str, tuple[str, str, int]] = field(default_factory=dict)

    def envelope(self, query: dict, inner: str) -> bytes:
        attrs = " ".join(
            f'{k}="{escape(v)}"' for k, v in query.items() if k in ("verb", "metadataPrefix", "from", "set")
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            + self.newline
            + self.prolog
            + OAI_ROOT
            + self.newline
            + f"<responseDate>2024-05-01T08:30:00Z</responseDate>{self.newline}<request {attrs}>BASE</request>"
            + self.newline
            + inner
            + self.newline
            + "</OAI-PMH>"
        ).encode("utf-8")

    def error(self, query: dict, code: str, message: str) -> tuple[int, bytes]:
        return self.error_status, self.envelope(query, f'<error code="{code}">{escape(message)}</error>')

    def answer(self, query: dict) -> tuple[int, bytes]:
        self.asked.append(query)
        if self.intercept and (reply := self.intercept(self, query)):
            return reply
        verb = query.get("verb")
        if verb == "Identify":
            return 200, self.envelope(query, self.identify)
        if verb != "ListRecords":
            return self.error(query, "badVerb", f"illegal verb {verb}")
        if "resumptionToken" in query:
            if query["resumptionToken"] not in self.tokens:
                return self.error(query, "badResumptionToken", "the token is invalid or has expired")
            since, set_spec, offset = self.tokens[query["resumptionToken"]]
        else:
            if query.get("metadataPrefix") != "oai_dc":
                return self.error(query, "cannotDisseminateFormat", "oai_dc only")
            since, set_spec, offset = query.get("from", ""), query.get("set", ""), 0
            if since and self.day_granularity and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", since):
                return self.error(query, "badArgument", f"from {since} is finer than the granularity YYYY-MM-DD")
        chosen = [r for r in self.records if _datestamp(r) >= since and (not set_spec or set_spec in _sets(r))]
        if not chosen:
            return self.error(
                query, "noRecordsMatch", "the combination of the values of the arguments results in an empty list"
            )
        page = chosen[offset : offset + self.page_size]
        following = offset + self.page_size
        if following < len(chosen):
            key = len(self.tokens) + 1
            token_xml = self.token(key, offset, len(chosen))
            self.tokens[re.search(r">([^<]+)</resumptionToken>", token_xml).group(1)] = (since, set_spec, following)
        else:
            token_xml = self.last_token(offset, len(chosen)) if offset else ""
        return 200, self.envelope(
            query,
            f"<ListRecords>{self.newline}"
            + self.newline.join(page)
            + self.newline
            + token_xml
            + f"{self.newline}</ListRecords>",
        )


def _datestamp(xml: str) -> str:
    return re.search(r"<datestamp>([^<]+)</datestamp>", xml).group(1)


def _sets(xml: str) -> list[str]:
    return re.findall(r"<setSpec>([^<]+)</setSpec>", xml)


class RepositoryServer:
    """The repositories at http://127.0.0.1:<port>/<name>, on a thread of their own."""

    def __init__(self, repositories: list[Repository]):
        self.repositories = {r.name: r for r in repositories}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlparse(self.path)
                repo = server.repositories.get(url.path.strip("/"))
                if repo is None:
                    status, body = 404, b"no such repository"
                else:
                    status, body = repo.answer({k: v[-1] for k, v in parse_qs(url.query).items()})
                self.send_response(status)
                self.send_header(
                    "Content-Type", "text/xml; charset=utf-8" if body.startswith(b"<?xml") else "text/html"
                )
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http.server_port}"

    def __enter__(self) -> RepositoryServer:
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.http.shutdown()
        self.http.server_close()


# -- the corpus --------------------------------------------------------------------------------------


def dspace_oaicat() -> Repository:
    """DSpace 1.x, OAICat."""
    return Repository(
        "dspace1",
        identify("VAST repository", "YYYY-MM-DDThh:mm:ssZ", "transient", "2001-01-01T00:00:00Z"),
        [
            record(
                "oai:repository.vast.vn:123456789/101",
                "2003-05-12T08:00:00Z",
                ["hdl_123456789_5", "hdl_123456789_7"],
                "<dc:title>Đa dạng sinh học họ Lan ở Việt Nam</dc:title><dc:creator>Nguyễn, Văn An</dc:creator>"
                "<dc:subject>vnfos:1</dc:subject>"
                "<dc:date>2003-05-12T08:00:00Z</dc:date><dc:date>2003-05-12T08:00:00Z</dc:date><dc:date>2000</dc:date>"
                "<dc:type>Article</dc:type><dc:identifier>http://hdl.handle.net/123456789/101</dc:identifier>"
                "<dc:identifier>http://dx.doi.org/10.1016/S0006-3207(00)00012-3</dc:identifier><dc:language>vi</dc:language>",
            ),
            record(
                "oai:repository.vast.vn:123456789/102",
                "2010-01-05T03:00:00Z",
                ["hdl_123456789_5"],
                "<dc:title>Kháng kháng sinh ở <i>E. coli</i> phân lập từ gà</dc:title><dc:creator>Trần, Thị Bình</dc:creator>"
                "<dc:date>2010-01-05T03:00:00Z</dc:date><dc:date>2010-01-05T03:00:00Z</dc:date><dc:date>2009-12</dc:date>"
                "<dc:type>Article</dc:type><dc:identifier>DOI: 10.1038/NATURE12373</dc:identifier><dc:language>vi</dc:language>",
            ),
            record("oai:repository.vast.vn:123456789/103", "2011-02-01T00:00:00Z", ["hdl_123456789_7"], deleted=True),
        ],
        token=lambda key, cursor, total: f"<resumptionToken>MToyfDM6fDQ6fDU6b2FpX2Rj{key}</resumptionToken>",
    )


def dspace_xoai() -> Repository:
    """DSpace 5+, XOAI: pretty-printed, several sets per record, titles in two languages."""
    return Repository(
        "dspace_xoai",
        identify(
            "VNU Digital Repository",
            "YYYY-MM-DDThh:mm:ssZ",
            "persistent",
            "2010-03-01T00:00:00Z",
            "<description><XOAIDescription>XOAI: OAI-PMH Java Toolkit</XOAIDescription></description>",
        ),
        [
            record(
                "oai:repository.vnu.edu.vn:VNU_123/201",
                "2016-07-01T02:11:54Z",
                ["com_VNU_123_1", "col_VNU_123_2", "col_VNU_123_3"],
                '<dc:title xml:lang="en">Groundwater arsenic in the Red River delta</dc:title>\n'
                '<dc:title xml:lang="vi">Asen trong nước ngầm đồng bằng sông Hồng</dc:title>\n'
                "<dc:creator>Phạm, Quang Huy</dc:creator>\n"
                "<dc:date>2016-07-01T02:11:54Z</dc:date>\n<dc:date>2016-07-01T02:11:54Z</dc:date>\n<dc:date>2014</dc:date>\n"
                "<dc:identifier>https://doi.org/10.1016/j.scitotenv.2014.01.001</dc:identifier>\n"
                "<dc:language>vi</dc:language>\n<dc:type>Article</dc:type>",
                newline="\n",
            ),
            record(
                "oai:repository.vnu.edu.vn:VNU_123/202",
                "2017-01-10T09:00:00Z",
                ["com_VNU_123_1", "col_VNU_123_2"],
                '<dc:title xml:lang="en_US">Flood risk under sea level rise</dc:title>\n'
                '<dc:title xml:lang="vi_VN">Rủi ro lũ khi nước biển dâng</dc:title>\n'
                "<dc:date>2017-01-10T09:00:00Z</dc:date>\n<dc:date>2017-01-10T09:00:00Z</dc:date>\n<dc:date>2015-11-02</dc:date>\n"
                "<dc:identifier>http://repository.vnu.edu.vn/handle/VNU_123/202</dc:identifier>\n"
                "<dc:relation>http://dx.doi.org/10.1088/1748-9326/AB1234</dc:relation>\n<dc:language>en_US</dc:language>",
                newline="\n",
            ),
            record(
                "oai:repository.vnu.edu.vn:VNU_123/203",
                "2018-03-03T00:00:00Z",
                ["col_VNU_123_3"],
                "<dc:title>\n    Nghiên cứu phù sa sông Hồng\n  </dc:title>\n<dc:date>2018</dc:date>\n<dc:language>vi</dc:language>",
                newline="\n",
            ),
        ],
        token=lambda key, cursor, total: (
            f'<resumptionToken completeListSize="{total}" cursor="{cursor}">oai_dc////{key * 2}</resumptionToken>'
        ),
        last_token=lambda cursor, total: f'<resumptionToken completeListSize="{total}" cursor="{cursor}"/>',
        prolog='<?xml-stylesheet type="text/xsl" href="static/style.xsl"?>',
        newline="\n",
    )


def eprints() -> Repository:
    """EPrints 3; one description carries a vertical tab, another a forbidden character reference, and one
    record is not well-formed (an `&` left unescaped): only that one is unreadable."""
    return Repository(
        "eprints",
        identify("VASS EPrints", "YYYY-MM-DDThh:mm:ssZ", "persistent", "2005-01-01T00:00:00Z"),
        [
            record(
                "oai:eprints.vass.gov.vn:11",
                "2012-04-01T10:00:00Z",
                ["7374617475733D707562", "7375626A656374733D48"],
                "<dc:title>Kinh tế hộ nông dân vùng Tây Bắc</dc:title>"
                "<dc:description>Tóm tắt:\x0b khảo sát 300 hộ.</dc:description>"
                "<dc:date>2012</dc:date><dc:type>Article</dc:type><dc:type>PeerReviewed</dc:type>"
                "<dc:identifier>http://eprints.vass.gov.vn/11/1/bai.pdf</dc:identifier>"
                "<dc:identifier>Nguyễn, V. A. (2012) Kinh tế hộ nông dân vùng Tây Bắc. Tạp chí Kinh tế, 5 (2). pp. 1-10.</dc:identifier>"
                "<dc:relation>https://doi.org/10.5061/DRYAD.ABC123</dc:relation>"
                "<dc:relation>http://eprints.vass.gov.vn/11/</dc:relation>",
            ),
            record(
                "oai:eprints.vass.gov.vn:12",
                "2015-07-01T10:00:00Z",
                ["7374617475733D707562"],
                "<dc:title>Di cư lao động nội địa</dc:title><dc:description>Số liệu&#11; 2014.</dc:description>"
                "<dc:date>2015-06</dc:date>"
                "<dc:identifier>Lê, T. (2015) Di cư lao động nội địa. Glob. Change Biol. doi:10.1111/j.1365-2486.2015.01234.x</dc:identifier>",
            ),
            record(
                "oai:eprints.vass.gov.vn:13",
                "2016-01-01T10:00:00Z",
                ["7374617475733D707562"],
                "<dc:title>R&D ở Việt Nam</dc:title><dc:date>2016</dc:date>",
            ),
            record(
                "oai:eprints.vass.gov.vn:14",
                "2016-02-01T10:00:00Z",
                ["7374617475733D707562"],
                "<dc:title>Văn hoá làng</dc:title><dc:date>2016-02</dc:date>",
            ),
        ],
        page_size=10,
        prolog="<?xml-stylesheet type='text/xsl' href='/oai2.xsl' ?>",
    )


def invenio() -> Repository:
    """InvenioRDM (Zenodo): OAI errors come with HTTP 422."""
    return Repository(
        "zenodo",
        identify("Zenodo", "YYYY-MM-DDThh:mm:ssZ", "no", "2014-01-01T00:00:00Z"),
        [
            record(
                "oai:zenodo.org:7",
                "2021-03-04T11:22:33Z",
                ["user-vast"],
                "<dc:creator>Hoàng, Minh</dc:creator><dc:date>2021-03-04</dc:date>"
                "<dc:date>info:eu-repo/date/embargoEnd/2022-01-01</dc:date><dc:identifier>https://doi.org/10.5281/ZENODO.7</dc:identifier>"
                "<dc:identifier>oai:zenodo.org:7</dc:identifier><dc:relation>doi:10.5281/zenodo.6</dc:relation>"
                "<dc:title>Sea turtle nesting in Côn Đảo</dc:title><dc:language>eng</dc:language><dc:type>info:eu-repo/semantics/article</dc:type>",
            ),
            record(
                "oai:zenodo.org:8",
                "2022-05-06T01:02:03Z",
                ["user-vast"],
                "<dc:date>2022-05-06</dc:date><dc:identifier>https://zenodo.org/records/8</dc:identifier>"
                "<dc:relation>info:eu-repo/semantics/altIdentifier/doi/10.1234/VJS.2022.8</dc:relation>"
                "<dc:title>Mangrove carbon stocks</dc:title><dc:language>eng</dc:language>",
            ),
            record(
                "oai:zenodo.org:9",
                "2023-01-01T00:00:00Z",
                ["user-vast"],
                "<dc:date>2023-01-01</dc:date><dc:title>Coral reef survey</dc:title>",
            ),
        ],
        token=lambda key, cursor, total: (
            f'<resumptionToken cursor="{cursor}" completeListSize="{total}" '
            f'expirationDate="2024-05-01T09:30:00Z">.eJyrVkrOLy0{key}</resumptionToken>'
        ),
        last_token=lambda cursor, total: f'<resumptionToken cursor="{cursor}" completeListSize="{total}"/>',
        error_status=422,
    )


def dataverse() -> Repository:
    """Dataverse: datasets with `doi:` identifiers; untagged titles in two languages and no dc:language."""
    return Repository(
        "dataverse",
        identify("VNU Dataverse", "YYYY-MM-DDThh:mm:ssZ", "persistent", "2019-01-01T00:00:00Z"),
        [
            record(
                "doi:10.7910/DVN/TJCLKP",
                "2019-11-20T04:05:06Z",
                ["vnu_data"],
                "<dc:title>Household survey of the Mekong delta</dc:title><dc:title>Khảo sát hộ gia đình đồng bằng sông Cửu Long</dc:title>"
                "<dc:identifier>doi:10.7910/DVN/TJCLKP</dc:identifier><dc:creator>Võ, Thanh</dc:creator>"
                "<dc:publisher>VNU Dataverse</dc:publisher><dc:date>2019-11-20</dc:date><dc:type>Dataset</dc:type>",
            )
        ],
        token=lambda key, cursor, total: f"<resumptionToken>MetadataPrefix::oai_dc:::offset::{key}</resumptionToken>",
    )


def day_granularity() -> Repository:
    """A repository whose datestamps are days: `from` must be a day too."""
    return Repository(
        "daily",
        identify("Institute repository", "YYYY-MM-DD", "no", "2016-01-01"),
        [
            record(
                "oai:lib.example.vn:501",
                "2016-03-07",
                ["all"],
                "<dc:title>Địa chất vùng mỏ Quảng Ninh</dc:title><dc:date>2015</dc:date>"
                "<dc:identifier>10.5061/dryad.2bvq83bq</dc:identifier>",
            ),
            record(
                "oai:lib.example.vn:502",
                "2016-03-08",
                ["all"],
                "<dc:title>Khoáng sản đất hiếm</dc:title><dc:date>2016</dc:date>",
            ),
        ],
        day_granularity=True,
    )


def forbidden() -> Repository:
    """A repository behind a firewall that refuses the harvester: an HTML 403 for everything."""
    return Repository("forbidden", "", [], intercept=lambda repo, query: (403, b"<html><body>Forbidden</body></html>"))


def healthy_corpus() -> list[Repository]:
    return [dspace_oaicat(), dspace_xoai(), eprints(), invenio(), dataverse(), day_granularity()]
