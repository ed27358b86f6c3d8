"""Command line: `ftz-bot run | ask | check | init | eval | report` (and `python -m bot`, which runs the bot).

Exit codes (`bot.exits.ExitCode`): 0 ok, 1 failure (bad knowledge, accuracy below the bar, no question log), 2 usage
error.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from bot.exits import ExitCode, err, fail
from bot.knowledge import FactBase, KnowledgeError, load_fact_base


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ftz-bot",
        description="FTZ Facts: answers questions about the article of a knowledge folder, citing it.",
    )
    parser.add_argument("--knowledge", metavar="DIR", type=Path,
                        help="knowledge folder to use (default: $BOT_KNOWLEDGE_DIR, else the bundled one)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="run the Telegram bot (console chat when no token is set)",
                              description="Run the Telegram bot with long polling. Without TELEGRAM_BOT_TOKEN, "
                                          "opens a console chat that answers the same way.")
    run.add_argument("--console", action="store_true", help="open the console chat even if a token is set")

    ask = commands.add_parser("ask", help="answer questions from the arguments or standard input",
                              description="Answer one question, or one question per line of standard input. The "
                                          "matcher built for the knowledge folder is kept in the user's cache "
                                          "directory (~/.cache/ftz-facts on Linux), so the next run starts faster.")
    ask.add_argument("question", nargs="*", help="the question (omit to read questions from standard input)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--explain", action="store_true", help="also show the terms the question was reduced to")
    ask.add_argument("--conversation", action="store_true",
                     help="read standard input as conversations: consecutive lines are one conversation (follow-ups "
                          "resolved against the lines before), a blank line starts a new one")

    check = commands.add_parser("check", help="validate the knowledge folder and prove it answers its questions",
                                description="Validate the knowledge folder (every problem named by file, fact and "
                                            "field; exit 1 on any), then prove it: run every fact's alternate "
                                            "questions through the matcher and list those that do not return "
                                            "their own fact, and lexicon entries that match nothing, are never "
                                            "used or are claimed by two concepts. Ends with a one-line verdict.")
    check.add_argument("--json", action="store_true", help="print the summary, the proof (or the errors) as JSON")
    check.add_argument("--strict", action="store_true", help="exit 1 when the proof finds anything, too")
    check.add_argument("--routes", action="store_true", help="list where every alternate question goes")

    init = commands.add_parser("init", help="draft a knowledge folder from an English article",
                               description="Draft a knowledge folder from an English article: one fact per "
                                           "informative sentence (verbatim source, an answer and alternate "
                                           "questions drafted from it, each clause one of them), proper nouns "
                                           "as places (organisations also by their initials; the subject, "
                                           "e.g. a name ending in \"hub\" or \"zone\", is the zone), everyday "
                                           "questions for the kinds of fact a sentence states, everyday "
                                           "synonyms of its words, a draft's matcher numbers, article.toml with "
                                           "languages = [\"en\"], English wording with the subject filled "
                                           "in, the generic lexicon in force. The draft answers at once; "
                                           "curate it, then `check --strict`.")
    init.add_argument("article", type=Path, help="the article as plain UTF-8 text (a title line, then paragraphs)")
    init.add_argument("directory", type=Path, help="the knowledge folder to create (must not exist or be empty)")
    init.add_argument("--json", action="store_true", help="print what was drafted as JSON")

    evaluate = commands.add_parser("eval", help="score a labelled question file",
                                   description="Score a labelled TSV file and print accuracy by category with "
                                               "the failures listed. Three kinds, told by the header: questions "
                                               "(category, expected, question), conversations (conversation, turn, "
                                               "language, expected, question: follow-ups resolved turn by turn) "
                                               "and messages with several questions (id, language, expected, "
                                               "question; parts split by ' || ').")
    evaluate.add_argument("file", type=Path, help="labelled TSV file")
    evaluate.add_argument("--min-accuracy", type=float, metavar="X", help="exit 1 if overall accuracy is below X")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")

    report = commands.add_parser(
        "report", help="summarise the question log for curators", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Summarise the question log: outcome counts and rates, the most frequent unanswered\n"
                    "questions (near-duplicates grouped, each with its closest fact), the facts with the\n"
                    "most 👎, and daily counts. Exits 1 when the log cannot be read.",
        epilog="examples:\n"
               "  ftz-bot report                                   last 7 days, for people\n"
               "  ftz-bot report --since 24h --json                last 24 hours, as JSON\n"
               "  ftz-bot report --since 2025-11-01 --csv > r.csv  since a date (UTC), for a spreadsheet\n"
               "  ftz-bot report --since all --chart daily.png     everything, plus a chart of daily counts")
    report.add_argument("--since", default="7d", metavar="PERIOD",
                        help="period to cover: 30m, 24h, 7d, 2w back from now, an ISO date such as 2025-11-01 "
                             "(UTC), or 'all' (default: 7d)")
    output = report.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    output.add_argument("--csv", action="store_true", help="print the report as CSV (one table, a section column)")
    report.add_argument("--chart", metavar="FILE.png", type=Path,
                        help="also draw the daily outcome counts into a PNG (needs the 'chart' extra: matplotlib)")
    report.add_argument("--db", metavar="PATH", type=Path,
                        help="question log database (default: $BOT_DB_PATH, else the knowledge folder's own "
                             "questions-<folder>-<hash>.sqlite3 in the user data directory)")
    report.add_argument("--top", metavar="N", type=int, default=20,
                        help="how many unanswered question groups to list (default: 20)")

    return parser


def main(argv: list[str] | None = None) -> ExitCode:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 on --help
        return ExitCode.USAGE if exc.code else ExitCode.OK
    command = args.command or "run"
    try:
        if command == "run":
            from bot.runner import run

            return run(args.knowledge, force_console=getattr(args, "console", False))
        if command == "report":
            return _report(args)
        if command == "init":
            return _init(args)
        if command == "check":
            return _check(args.knowledge, args.json, args.strict, args.routes)
        if command == "ask":
            return _ask(args)
        if command == "eval":
            return _eval(args, load_fact_base(args.knowledge))
    except KnowledgeError as exc:
        return fail(f"knowledge error: {exc}")
    except BrokenPipeError:
        return ExitCode.OK
    parser.print_help(sys.stderr)
    return ExitCode.USAGE


def _ask(args: argparse.Namespace) -> ExitCode:
    from bot.conversation import Conversation
    from bot.formatting import match_to_dict, render_text
    from bot.prebuilt import prebuilt_matcher

    matcher = prebuilt_matcher(args.knowledge)  # built once per knowledge and code: `ask` starts fast
    fact_base = matcher.fact_base
    if args.question:
        lines = [" ".join(args.question)]
    else:
        if sys.stdin.isatty():
            return fail("give a question, or pipe questions one per line", ExitCode.USAGE, command="ask")
        lines = [line.rstrip("\n") for line in sys.stdin]
    conversation = Conversation(matcher)
    for question in lines:
        if not question.strip():
            conversation = Conversation(matcher)  # a blank line starts a new conversation
            continue
        match = conversation.reply(question) if args.conversation else matcher.match(question)
        if args.json:
            print(json.dumps(match_to_dict(match, fact_base), ensure_ascii=False), flush=True)
        else:
            print(f"Q: {question}")
            print(render_text(match, fact_base))
            if args.explain:
                print(f"  terms: {matcher.explain(question)}")
            print()
    return ExitCode.OK


def _check(knowledge: Path | None, as_json: bool, strict: bool = False, routes: bool = False) -> ExitCode:
    from bot.knowledge import all_errors
    from bot.matcher import Matcher
    from bot.proof import prove

    try:
        fact_base = load_fact_base(knowledge)
    except KnowledgeError as exc:
        errors = all_errors(exc)
        if as_json:
            first = errors[0]
            print(json.dumps({"ok": False, "file": str(first.path), "fact_id": first.fact_id,
                              "field": first.field_name, "problem": first.problem,
                              "errors": [{"file": str(e.path), "fact_id": e.fact_id, "field": e.field_name,
                                          "problem": e.problem} for e in errors]}, ensure_ascii=False))
        else:
            for error in errors:
                err(f"error: {error}")
            err(f"verdict: invalid: {len(errors)} problem{'s' if len(errors) != 1 else ''} in "
                f"{knowledge or 'the knowledge folder'}")
        return ExitCode.FAILURE
    facts = fact_base.facts
    proof = prove(fact_base, Matcher(fact_base))
    questions = {lang: sum(len(f.questions_in(lang)) for f in facts) for lang in fact_base.article.languages}
    languages = list(fact_base.article.languages)
    summary = {
        "ok": True, "directory": str(fact_base.directory), "title": fact_base.article.title,
        "date": fact_base.article.date.isoformat(), "facts": len(facts), "topics": len(fact_base.topics),
        "questions": questions, "sources": len({s for f in facts for s in f.sources}), "languages": languages,
        "proof": proof.to_dict(),
    }
    failed = strict and not proof.ok
    if as_json:
        print(json.dumps({**summary, "strict": strict, "passed": not failed}, ensure_ascii=False))
        return ExitCode.FAILURE if failed else ExitCode.OK
    print(f"ok: {summary['directory']}")
    print(f"  article: “{summary['title']}” ({summary['date']})")
    print(f"  facts: {summary['facts']} in {summary['topics']} topics")
    by_language = ", ".join(f"{count} {lang}" for lang, count in questions.items())
    print(f"  questions: {sum(questions.values())} ({by_language})")
    print(f"  sources: {summary['sources']} distinct article sentences")
    print(f"  languages: {', '.join(languages)}")
    if routes:
        print(f"\nroutes of the {proof.questions} alternate questions:")
        for r in proof.routes:
            print(f"  {'ok ' if r.got == r.fact_id else 'BAD'} {r.fact_id} [{r.language}] {r.question!r} → {r.got}")
    if proof.misrouted:
        print(f"\nalternate questions that do not return their own fact ({len(proof.misrouted)}):")
        for m in proof.misrouted:
            print(f"  {m.fact_id} [{m.language}] {m.question!r} → {m.got}")
    for title, findings in (("lexicon entries that match nothing", proof.empty),
                            ("lexicon entries never used", proof.unused),
                            ("lexicon entries claimed twice", proof.ambiguous)):
        if findings:
            print(f"\n{title} ({len(findings)}):")
            for f in findings:
                print(f"  {f.file} {f.section} {f.entry!r}: {f.problem}")
    print(f"\nverdict: {proof.verdict()}")
    return ExitCode.FAILURE if failed else ExitCode.OK


def _init(args: argparse.Namespace) -> ExitCode:
    from bot.draft import write_draft

    if not args.article.is_file():
        return fail(f"no such article file: {args.article}", ExitCode.USAGE, command="init")
    if args.directory.exists() and (not args.directory.is_dir() or any(args.directory.iterdir())):
        return fail(f"{args.directory} already exists and is not an empty folder; pick a new one", command="init")
    try:
        drafted = write_draft(args.article, args.directory)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return fail(f"cannot draft from {args.article}: {exc}", command="init")
    fact_base = load_fact_base(args.directory)  # the draft must load; a KnowledgeError here is a bug, exit 1
    zone = next(p for p in drafted.places if p.zone)
    if args.json:
        print(json.dumps({"directory": str(args.directory), "facts": len(fact_base.facts),
                          "topics": len(fact_base.topics), "places": [p.id for p in drafted.places],
                          "zone": zone.id, "subject": drafted.subject, "date": drafted.date.isoformat(),
                          "ignore_generic": drafted.ignore_generic}, ensure_ascii=False))
        return ExitCode.OK
    print(f"drafted {args.directory}: {len(fact_base.facts)} facts in {len(fact_base.topics)} topics, "
          f"{len(drafted.places)} places (zone: {zone.id}, “{drafted.subject}”), dated {drafted.date.isoformat()}")
    print(f"next: ftz-bot --knowledge {args.directory} ask 'your question'  ·  "
          f"ftz-bot --knowledge {args.directory} check --strict  ·  docs/curating.md")
    return ExitCode.OK


def _eval(args: argparse.Namespace, fact_base: FactBase) -> ExitCode:
    from bot.evaluation import evaluate_file
    from bot.matcher import Matcher

    try:
        report = evaluate_file(Matcher(fact_base), args.file, {f.id for f in fact_base.facts})
    except (OSError, ValueError) as exc:
        return fail(str(exc), ExitCode.USAGE, command="eval")
    if args.json:
        print(json.dumps({
            "accuracy": report.accuracy,
            "answerable_accuracy": report.answerable_accuracy,
            "refusal_accuracy": report.refusal_accuracy,
            "categories": {c: {"correct": r, "total": t} for c, (r, t) in report.by_category().items()},
            "failures": [{"line": v.item.line, "question": v.item.question, "expected": list(v.item.expected),
                          "got": v.got, "confidence": v.confidence} for v in report.failures],
        }, ensure_ascii=False, indent=2))
    else:
        print(f"{'category':<16}{'correct':>8}{'total':>7}{'accuracy':>10}")
        for category, (right, total) in report.by_category().items():
            print(f"{category:<16}{right:>8}{total:>7}{right / total:>10.3f}")
        print(f"{'overall':<16}{sum(v.correct for v in report.verdicts):>8}{len(report.verdicts):>7}"
              f"{report.accuracy:>10.3f}")
        print(f"answerable {report.answerable_accuracy:.3f}, refusals {report.refusal_accuracy:.3f}")
        if report.failures:
            print("\nfailures:")
            for v in report.failures:
                print(f"  {args.file.name}:{v.item.line} [{v.item.category}] {v.item.question!r}: "
                      f"expected {'|'.join(v.item.expected)}, got {v.got} ({v.confidence})")
    if args.min_accuracy is not None and report.accuracy < args.min_accuracy:
        err(f"accuracy {report.accuracy:.3f} is below --min-accuracy {args.min_accuracy}")
        return ExitCode.FAILURE
    return ExitCode.OK


def _report(args: argparse.Namespace) -> ExitCode:
    from bot.config import SettingsError, load_settings
    from bot.questionlog import QuestionLogError, resolve_db_path
    from bot.report import (
        ChartUnavailable,
        build_report,
        parse_since,
        render_chart,
        render_csv,
        render_json,
        render_text,
    )

    if args.top < 1:
        return fail("--top must be at least 1", ExitCode.USAGE, command="report")
    try:
        period = parse_since(args.since)
    except ValueError as exc:
        return fail(str(exc), ExitCode.USAGE, command="report")
    try:
        settings = load_settings()
    except SettingsError as exc:
        return fail(str(exc), ExitCode.USAGE, command="report")
    if args.knowledge is not None:  # the log of that folder (one log per knowledge folder by default)
        settings = dataclasses.replace(settings, knowledge_dir=args.knowledge)
    db_path = resolve_db_path(args.db, settings)
    matcher = None
    try:
        from bot.matcher import Matcher

        # With the fact base, the report can name the closest fact for questions nobody could answer.
        matcher = Matcher(load_fact_base(args.knowledge or settings.knowledge_dir))
    except KnowledgeError as exc:
        err(f"ftz-bot report: note: closest facts come only from the log, as the knowledge folder did not load: {exc}")
    try:
        report = build_report(db_path, period, matcher=matcher, top=args.top)
    except QuestionLogError as exc:
        return fail(str(exc), command="report")
    if args.json:
        print(render_json(report))
    elif args.csv:
        sys.stdout.write(render_csv(report))
    else:
        print(render_text(report))
    if args.chart is not None:
        try:
            written = render_chart(report, args.chart)
        except ChartUnavailable as exc:
            return fail(str(exc), command="report")
        except OSError as exc:
            return fail(f"cannot write the chart to {args.chart}: {exc.strerror or exc}", command="report")
        # On stderr, so that --json/--csv output on stdout stays clean.
        err(f"chart written to {written}")
    return ExitCode.OK
