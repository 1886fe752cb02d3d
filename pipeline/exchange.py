"""Exchange with annotation tools: export the claims with their labels, import a corrected export as overrides.

Export (``gpc export --to ...``), one item per claim:

``label-studio``
    Label Studio tasks (its documented import format: a JSON list of tasks;
    a ``.jsonl`` path gives one task per line instead) with ``data.text``,
    ``data.claim_id``, ``data.doc_id``, ``data.section``, ``data.page`` and the
    pipeline's labels under ``predictions`` (or ``annotations``): a ``labels``
    result per actor mention (``value.start``/``end``/``text``, offsets into
    the claim text, ``labels: [actor_id]``) and ``choices`` results for the
    themes (``themes``, multiple), the claim type (``claim_type``) and
    hedging (``hedged``: ``hedged`` / ``not_hedged``). The labelling
    configuration that matches them is written beside the tasks
    (``label-studio.xml``: paste it into the project's Labeling Interface).
``doccano``
    JSON Lines for a doccano "Sequence labeling" project (``text``,
    ``label``: ``[[start, end, actor_id], ...]``) that also imports into an
    "Intent detection and slot filling" project (``entities``: the same
    spans, ``cats``: ``theme:<id>``, ``type:<claim type>``,
    ``hedged:true|false``); ``claim_id`` and ``doc_id`` ride along as metadata.
``docbin``
    a spaCy ``DocBin`` (``.spacy``): one ``Doc`` per claim, parsed by the
    pipeline's model, ``doc.ents`` = the actor mentions labelled by actor
    id, ``doc.cats`` = every theme of themes.yaml as 1.0 / 0.0, and
    ``doc.user_data`` = claim_id, doc_id, claim_type, hedged.

Import (``gpc import --from label-studio|doccano FILE``) reads a corrected
export, compares each reviewed claim with the current labels (after
overrides) and appends one entry per changed claim to
``annotations/overrides.yaml`` (as text, so the user's comments stay). An
entry picks its claim by text and document when that text is unique there
(it survives re-segmentation), else by claim_id. Actors are compared through
the spans: an actor an override added without a span is left alone.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pandas as pd
import yaml

from pipeline import __version__
from pipeline.errors import InputError
from pipeline.overrides import normalise

EXPORTS = ("label-studio", "doccano", "docbin")
IMPORTS = ("label-studio", "doccano")
HEDGED, NOT_HEDGED = "hedged", "not_hedged"
DEFAULT_NAMES = {"label-studio": "label-studio.json", "doccano": "doccano.jsonl", "docbin": "claims.spacy"}


@dataclass
class ClaimLabels:
    """One claim and its labels, as exchanged: spans are (start, end, actor_id, surface), offsets into ``text``."""

    claim_id: str
    doc_id: str
    text: str
    spans: list[tuple[int, int, str, str]] = field(default_factory=list)
    actors: set[str] | None = None
    themes: set[str] | None = None
    claim_type: str | None = None
    hedged: bool | None = None
    section: str = ""
    page: int | None = None
    annotator: str | None = None


def claim_labels(tables: dict[str, pd.DataFrame]) -> list[ClaimLabels]:
    """Every claim with its current labels: actor spans from ``actor_mentions`` (offsets made relative to the
    claim), actors from ``claim_actors``, themes from ``claim_themes``, claim type and hedged from ``claims``."""
    claims = tables["claims"]
    spans: dict[str, list] = {}
    starts = dict(zip(claims["claim_id"], claims["start"]))
    mentions = tables["actor_mentions"]
    for claim_id, actor_id, surface, start, end in zip(mentions["claim_id"], mentions["actor_id"],
                                                       mentions["surface"], mentions["start"], mentions["end"]):
        offset = int(starts[claim_id])
        spans.setdefault(claim_id, []).append((int(start) - offset, int(end) - offset, actor_id, surface))
    actors = tables["claim_actors"].groupby("claim_id")["actor_id"].agg(set).to_dict()
    themes = tables["claim_themes"].groupby("claim_id")["theme_id"].agg(list).to_dict()
    return [ClaimLabels(claim_id=c.claim_id, doc_id=c.doc_id, text=c.text, spans=sorted(spans.get(c.claim_id, [])),
                        actors=actors.get(c.claim_id, set()), themes=set(themes.get(c.claim_id, [])),
                        claim_type=c.claim_type, hedged=bool(c.hedged), section=c.section_number or "",
                        page=int(c.page)) for c in claims.itertuples()]


# --------------------------------------------------------------------------------------------- export

def label_studio_tasks(labels: list[ClaimLabels], *, theme_order: list[str], key: str = "predictions") -> list[dict]:
    """One Label Studio task per claim, its labels under ``predictions`` (or ``annotations``).

    >>> task = label_studio_tasks([ClaimLabels("d:c1", "d", "Moscow and Oil.", spans=[(0, 6, "RUS", "Moscow")],
    ...                            themes={"energy"}, claim_type="assertion", hedged=False)], theme_order=["energy"])[0]
    >>> task["data"]["claim_id"], [item["value"] for item in task["predictions"][0]["result"]][:2]
    ('d:c1', [{'start': 0, 'end': 6, 'text': 'Moscow', 'labels': ['RUS']}, {'choices': ['energy']}])
    """
    if key not in ("predictions", "annotations"):
        raise ValueError(f"key must be predictions or annotations, not {key!r}")
    rank = {theme: i for i, theme in enumerate(theme_order)}
    tasks = []
    for claim in labels:
        result = [{"id": f"{claim.claim_id}-a{i}", "from_name": "actor", "to_name": "text", "type": "labels",
                   "value": {"start": start, "end": end, "text": surface, "labels": [actor_id]}}
                  for i, (start, end, actor_id, surface) in enumerate(claim.spans)]
        if claim.themes:
            result.append(_choices(claim.claim_id, "themes", sorted(claim.themes, key=lambda t: rank.get(t, len(rank)))))
        if claim.claim_type:
            result.append(_choices(claim.claim_id, "claim_type", [claim.claim_type]))
        if claim.hedged is not None:
            result.append(_choices(claim.claim_id, "hedged", [HEDGED if claim.hedged else NOT_HEDGED]))
        labelled = {"result": result}
        if key == "predictions":
            labelled["model_version"] = f"gpc {__version__}"
        tasks.append({"data": {"text": claim.text, "claim_id": claim.claim_id, "doc_id": claim.doc_id,
                               "section": claim.section, "page": claim.page}, key: [labelled]})
    return tasks


def _choices(claim_id: str, name: str, values: list[str]) -> dict:
    return {"id": f"{claim_id}-{name}", "from_name": name, "to_name": "text", "type": "choices",
            "value": {"choices": values}}


def label_studio_config(actors: list[tuple[str, str]], themes: list[tuple[str, str]],
                        claim_types: list[tuple[str, str]]) -> str:
    """The Label Studio labelling configuration (XML) matching ``label_studio_tasks``; (id, label) pairs."""
    def options(tag, pairs):
        return "\n".join(f"    <{tag} value={quoteattr(i)} hint={quoteattr(label)}/>" for i, label in pairs)

    return (
        "<View>\n"
        '  <Header value="$claim_id ($doc_id, section $section, page $page)"/>\n'
        '  <Labels name="actor" toName="text">\n' + options("Label", actors) + "\n  </Labels>\n"
        '  <Text name="text" value="$text"/>\n'
        '  <Header value="Themes"/>\n'
        '  <Choices name="themes" toName="text" choice="multiple" showInline="true">\n'
        + options("Choice", themes) + "\n  </Choices>\n"
        '  <Header value="Claim type"/>\n'
        '  <Choices name="claim_type" toName="text" choice="single-radio" showInline="true">\n'
        + options("Choice", claim_types) + "\n  </Choices>\n"
        '  <Header value="Hedged"/>\n'
        '  <Choices name="hedged" toName="text" choice="single-radio" showInline="true">\n'
        f'    <Choice value="{HEDGED}"/>\n    <Choice value="{NOT_HEDGED}"/>\n  </Choices>\n'
        "</View>\n")


def doccano_records(labels: list[ClaimLabels], *, theme_order: list[str]) -> list[dict]:
    """One doccano record per claim: ``label`` / ``entities`` spans and ``cats`` categories.

    >>> doccano_records([ClaimLabels("d:c1", "d", "Moscow.", spans=[(0, 6, "RUS", "Moscow")], themes=set(),
    ...                  claim_type="assertion", hedged=True)], theme_order=[])[0]["cats"]
    ['type:assertion', 'hedged:true']
    """
    rank = {theme: i for i, theme in enumerate(theme_order)}
    records = []
    for claim in labels:
        spans = [[start, end, actor_id] for start, end, actor_id, _ in claim.spans]
        cats = [f"theme:{t}" for t in sorted(claim.themes or (), key=lambda t: rank.get(t, len(rank)))]
        cats += [f"type:{claim.claim_type}"] if claim.claim_type else []
        cats += [f"hedged:{'true' if claim.hedged else 'false'}"] if claim.hedged is not None else []
        records.append({"text": claim.text, "label": spans, "entities": spans, "cats": cats,
                        "claim_id": claim.claim_id, "doc_id": claim.doc_id})
    return records


def docbin_bytes(tables: dict[str, pd.DataFrame], parsed: dict, *, theme_ids: list[str]) -> bytes:
    """A spaCy DocBin of the claims: parsed tokens, ``ents`` = actor mentions, ``cats`` = themes (1.0 / 0.0)."""
    from spacy.tokens import DocBin
    from spacy.util import filter_spans

    from pipeline.claims import claim_span

    paragraph_start = dict(zip(tables["paragraphs"]["paragraph_id"], tables["paragraphs"]["start"]))
    store = DocBin(store_user_data=True)
    for claim, row in zip(claim_labels(tables), tables["claims"].itertuples()):  # both in claims order
        span = claim_span(parsed[row.paragraph_id], int(paragraph_start[row.paragraph_id]), int(row.start), int(row.end))
        doc = _without_trailing_space(span.as_doc())
        offset = int(row.start) - (span.start_char + int(paragraph_start[row.paragraph_id]))
        ents = [doc.char_span(start + offset, end + offset, label=actor_id, alignment_mode="expand")
                for start, end, actor_id, _ in claim.spans]
        doc.ents = filter_spans([ent for ent in ents if ent is not None])
        doc.cats = {theme: float(theme in claim.themes) for theme in theme_ids}
        doc.user_data.update({"claim_id": claim.claim_id, "doc_id": claim.doc_id, "claim_type": claim.claim_type,
                              "hedged": claim.hedged})
        store.add(doc)
    return store.to_bytes()


def _without_trailing_space(doc):
    """``doc`` without the space after its last token (a claim's span carries it), parse and tags kept."""
    from spacy.attrs import DEP, HEAD, LEMMA, MORPH, POS, SENT_START, TAG
    from spacy.tokens import Doc

    if not len(doc) or not doc[-1].whitespace_:
        return doc
    attrs = [TAG, POS, MORPH, LEMMA, HEAD, DEP, SENT_START]
    trimmed = Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc][:-1] + [False])
    return trimmed.from_array(attrs, doc.to_array(attrs))


def json_list_bytes(items: list[dict], path: Path) -> bytes:
    """A JSON list (one item per line), or JSON Lines when ``path`` ends in ``.jsonl``.

    >>> json_list_bytes([{"a": 1}, {"a": 2}], Path("x.json")).decode()
    '[\\n{"a": 1},\\n{"a": 2}\\n]\\n'
    """
    if path.suffix == ".jsonl":
        return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items).encode("utf-8")
    return ("[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n]\n").encode("utf-8")


# --------------------------------------------------------------------------------------------- import

def read_records(path: Path) -> list[dict]:
    """The items of a JSON list (or single object) or JSON Lines file; one-line errors naming the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found: give the file exported from the annotation tool")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text: export the file again as JSON or JSON Lines") from None
    try:
        data = json.loads(text)
        return data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        pass
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise InputError(path, f"line {number}: neither a JSON file nor JSON Lines ({error.msg})") from None
    return records


def from_label_studio(tasks: list[dict]) -> tuple[list[ClaimLabels], int]:
    """The reviewed claims of a Label Studio export (its newest annotation that was not cancelled), and how many
    tasks had no annotation. Themes default to none; a claim type or hedged flag left unset stays unchanged."""
    found, unreviewed = [], 0
    for task in tasks:
        data = task.get("data", task) if isinstance(task, dict) else {}
        annotations = [a for a in (task.get("annotations") or task.get("completions") or [])
                       if isinstance(a, dict) and not a.get("was_cancelled")]
        if not annotations or not isinstance(data.get("text"), str):
            unreviewed += 1
            continue
        latest = max(enumerate(annotations), key=lambda pair: (str(pair[1].get("updated_at") or
                                                                   pair[1].get("created_at") or ""), pair[0]))[1]
        claim = ClaimLabels(claim_id=str(data.get("claim_id") or ""), doc_id=str(data.get("doc_id") or ""),
                            text=data["text"], actors=set(), themes=set(),
                            annotator=str(latest["completed_by"]) if latest.get("completed_by") is not None else None)
        for item in latest.get("result") or []:
            value = item.get("value") or {}
            if item.get("type") == "labels":
                for label in value.get("labels") or []:
                    claim.spans.append((value.get("start"), value.get("end"), label, value.get("text", "")))
                    claim.actors.add(label)
            elif item.get("type") == "choices":
                choices = value.get("choices") or []
                if item.get("from_name") == "themes":
                    claim.themes.update(choices)
                elif item.get("from_name") == "claim_type" and choices:
                    claim.claim_type = choices[0]
                elif item.get("from_name") == "hedged" and choices:
                    claim.hedged = choices[0] == HEDGED
        found.append(claim)
    return found, unreviewed


def from_doccano(records: list[dict]) -> tuple[list[ClaimLabels], int]:
    """The claims of a doccano export (sequence labelling and/or intent detection and slot filling).

    A layer the export does not carry (no spans key, no categories) is left unchanged.
    """
    found, skipped = [], 0
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            skipped += 1
            continue
        meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
        claim = ClaimLabels(claim_id=str(record.get("claim_id") or meta.get("claim_id") or ""),
                            doc_id=str(record.get("doc_id") or meta.get("doc_id") or ""), text=record["text"])
        label = record.get("label")
        spans = record.get("entities", label if _are_spans(label) else None)
        if spans is not None:
            claim.actors = set()
            for span in spans:
                start, end, actor_id = (span.get("start_offset"), span.get("end_offset"), span.get("label")) \
                    if isinstance(span, dict) else span[:3]
                claim.spans.append((start, end, actor_id, record["text"][start:end]))
                claim.actors.add(actor_id)
        cats = record.get("cats", label if isinstance(label, list) and label and not _are_spans(label) else None)
        if cats is not None:
            claim.themes = {c.split(":", 1)[1] for c in cats if c.startswith("theme:")}
            types = [c.split(":", 1)[1] for c in cats if c.startswith("type:")]
            hedges = [c.split(":", 1)[1] for c in cats if c.startswith("hedged:")]
            claim.claim_type = types[0] if types else None
            claim.hedged = hedges[0] == "true" if hedges else None
        found.append(claim)
    return found, skipped


def _are_spans(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, (list, dict)) for v in value)


@dataclass
class ImportResult:
    """What an import found and wrote."""

    entries: list[dict]
    reviewed: int
    unreviewed: int
    unchanged: int
    not_found: list[str]


def corrections(reviewed: list[ClaimLabels], current: list[ClaimLabels], *, note: str) -> tuple[list[dict], int,
                                                                                                  list[str]]:
    """Override entries for the reviewed claims whose labels differ from the current ones; the number unchanged;
    the reviewed claims found nowhere in the current run (by id with the same text, or by text)."""
    by_id = {c.claim_id: c for c in current}
    by_text: dict[tuple[str, str], list[ClaimLabels]] = {}
    for claim in current:
        by_text.setdefault((claim.doc_id, normalise(claim.text)), []).append(claim)
    entries, unchanged, not_found = [], 0, []
    for claim in reviewed:
        text = normalise(claim.text)
        now = by_id.get(claim.claim_id)
        if now is None or normalise(now.text) != text:
            same = by_text.get((claim.doc_id, text)) or [c for (doc, t), cs in by_text.items() if t == text for c in cs]
            now = same[0] if len(same) == 1 else None
        if now is None:
            not_found.append(claim.claim_id or text[:60])
            continue
        entry = _difference(claim, now)
        if not entry:
            unchanged += 1
            continue
        unique = len(by_text.get((now.doc_id, normalise(now.text)), [])) == 1
        selector = {"text": now.text, "doc": now.doc_id} if unique else {"claim_id": now.claim_id}
        who = f", annotator {claim.annotator}" if claim.annotator else ""
        entries.append(selector | entry | {"note": f"{note}{who}; was {now.claim_id}"})
    return entries, unchanged, not_found


def _difference(reviewed: ClaimLabels, now: ClaimLabels) -> dict:
    entry: dict = {}
    if reviewed.actors is not None:
        with_spans = {actor_id for _, _, actor_id, _ in now.spans}
        added = sorted(reviewed.actors - (now.actors or set()))
        removed = sorted(with_spans - reviewed.actors)
        if added:
            entry["add_actors"] = added
        if removed:
            entry["remove_actors"] = removed
    if reviewed.themes is not None:
        added, removed = sorted(reviewed.themes - now.themes), sorted(now.themes - reviewed.themes)
        if added:
            entry["add_themes"] = added
        if removed:
            entry["remove_themes"] = removed
    if reviewed.claim_type is not None and reviewed.claim_type != now.claim_type:
        entry["claim_type"] = reviewed.claim_type
    if reviewed.hedged is not None and reviewed.hedged != now.hedged:
        entry["hedged"] = reviewed.hedged
    return entry


def unknown_labels(reviewed: list[ClaimLabels], known: dict[str, list[str]]) -> list[str]:
    """One line per label the schemas do not declare (an annotator typed a new one)."""
    problems = []
    for claim in reviewed:
        where = claim.claim_id or normalise(claim.text)[:40]
        for kind, values in (("actors", claim.actors or set()), ("themes", claim.themes or set()),
                             ("claim_types", {claim.claim_type} - {None})):
            for value in sorted(values - set(known.get(kind, values))):
                problems.append(f"{where}: {kind[:-1].replace('_', ' ')} {value!r} is not declared in "
                                f"annotations/{kind}.yaml; add it there first or fix the label")
    return problems


def overrides_text(existing: str, entries: list[dict], *, comment: str) -> str:
    """``existing`` (the text of overrides.yaml, or "") with ``entries`` appended under ``overrides:``, keeping
    every line the user wrote (comments included); ``overrides: []`` becomes ``overrides:``.

    >>> print(overrides_text("# mine\\noverrides: []\\n", [{"claim_id": "d:c1", "hedged": True}], comment="import"))
    # mine
    overrides:
    <BLANKLINE>
      # import
      - claim_id: d:c1
        hedged: true
    <BLANKLINE>
    """
    text = existing if existing.strip() else "# Manual corrections; see `make validate` and the README.\n"
    if re.search(r"^overrides:\s*\[\s*\]\s*(#.*)?$", text, flags=re.M):
        text = re.sub(r"^overrides:\s*\[\s*\]\s*(#.*)?$", "overrides:", text, count=1, flags=re.M)
    elif not re.search(r"^overrides:", text, flags=re.M):
        text = text.rstrip("\n") + "\n\noverrides:\n"
    indent = _entry_indent(text)
    block = "".join(f"{indent}{'- ' if i == 0 else '  '}{key}: {_flow(value)}\n"
                    for entry in entries for i, (key, value) in enumerate(entry.items()))
    return text.rstrip("\n") + f"\n\n{indent}# {comment}\n" + block


def _flow(value) -> str:
    """A value as one line of YAML: lists in brackets, text quoted when YAML needs it."""
    dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1_000_000)
    return dumped.removesuffix("\n...\n").strip()


def _entry_indent(text: str) -> str:
    """The indentation of the list items under ``overrides:`` in ``text`` (two spaces when it has none)."""
    after = text[re.search(r"^overrides:", text, flags=re.M).end():]
    item = re.search(r"^( *)- ", after, flags=re.M)
    return item.group(1) if item else "  "


def import_note(tool: str, path: Path) -> str:
    return f"imported from {tool} export {Path(path).name} on {datetime.date.today().isoformat()}"


# --------------------------------------------------------------------------------------------- files

def export(tables: dict[str, pd.DataFrame], *, to: str, out: Path, actors, themes, claim_types,
           parsed: dict | None = None, key: str = "predictions") -> list[Path]:
    """Write the claims and their labels for tool ``to`` at ``out``; returns the files written.

    ``actors``, ``themes``, ``claim_types`` are the loaded schemas (their ids and labels make the Label Studio
    configuration and the DocBin's ``cats``); ``parsed`` (paragraph_id -> Doc) is needed for ``docbin``.

    >>> # export(runner.compute().tables, to="label-studio", out=Path("outputs/exchange/label-studio.json"), ...)
    """
    from pipeline.runner import write_atomic

    if to not in EXPORTS:
        raise InputError(to, f"unknown export format; choose one of {', '.join(EXPORTS)}")
    out = Path(out)
    theme_ids = [theme.id for theme in themes.themes]
    if to == "docbin":
        write_atomic(out, docbin_bytes(tables, parsed, theme_ids=theme_ids))
        return [out]
    labels = claim_labels(tables)
    if to == "doccano":
        write_atomic(out, json_list_bytes(doccano_records(labels, theme_order=theme_ids), out)
                     if out.suffix == ".json" else json_list_bytes(doccano_records(labels, theme_order=theme_ids),
                                                                    out.with_suffix(".jsonl")))
        return [out]
    write_atomic(out, json_list_bytes(label_studio_tasks(labels, theme_order=theme_ids, key=key), out))
    config = out.with_suffix(".xml")
    write_atomic(config, label_studio_config([(a.id, a.label) for a in actors.actors],
                                             [(t.id, t.label) for t in themes.themes],
                                             [(t.id, t.label) for t in claim_types.claim_types]).encode("utf-8"))
    return [out, config]


def import_file(path: Path, *, tool: str, tables: dict[str, pd.DataFrame], overrides_path: Path,
                known: dict[str, list[str]], dry_run: bool = False) -> ImportResult:
    """Diff a corrected Label Studio or doccano export against the current labels and append the differences to
    ``overrides_path`` (nothing is written when ``dry_run``, when nothing changed, or on any problem)."""
    from pipeline.errors import SchemaError
    from pipeline.runner import write_atomic
    from pipeline.schemas import load_overrides

    if tool not in IMPORTS:
        raise InputError(tool, f"unknown import format; choose one of {', '.join(IMPORTS)}")
    records = read_records(path)
    reviewed, unreviewed = from_label_studio(records) if tool == "label-studio" else from_doccano(records)
    problems = unknown_labels(reviewed, known)
    if problems:
        raise SchemaError(path, problems)
    entries, unchanged, not_found = corrections(reviewed, claim_labels(tables), note=import_note(tool, path))
    result = ImportResult(entries, len(reviewed), unreviewed, unchanged, not_found)
    if not entries or dry_run:
        return result
    existing = overrides_path.read_text(encoding="utf-8") if overrides_path.exists() else ""
    text = overrides_text(existing, entries, comment=f"{len(entries)} correction(s) {import_note(tool, path)}")
    check = overrides_path.with_name(f".{overrides_path.name}.import-check")
    try:
        check.write_text(text, encoding="utf-8")
        load_overrides(check, known=known)
    except SchemaError as error:
        raise SchemaError(overrides_path, ["the file would not validate after the import, nothing was written: "
                                           + "; ".join(error.problems) + " (write `overrides:` as a block list, "
                                           "one `- ` entry per line)"]) from None
    finally:
        check.unlink(missing_ok=True)
    write_atomic(overrides_path, text.encode("utf-8"))
    return result
