"""The ftz-bot command line: ask, check, eval and run behave as documented, with exit codes 0/1/2."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, SOLAR

JSON_FIELDS = {"question", "answered", "outcome", "fact_id", "confidence", "answer", "source", "language",
               "suggestions", "verdict", "reason", "parts", "follow_up"}


def ftz(*args: str, stdin: str | None = None, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    base["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, env={**base, **(env or {})}, timeout=60)


def test_ask_json_prints_one_object_with_exactly_the_documented_fields():
    result = ftz("ask", "--json", "How big is the Horgos area?")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == JSON_FIELDS
    assert answer["answered"] is True and answer["outcome"] == "answer" and answer["fact_id"] == "horgos_area"
    assert "16.58" in answer["answer"] and "16.58 square kilometers" in answer["source"]
    assert answer["language"] == "en" and answer["suggestions"] == []


def test_ask_json_reads_questions_from_stdin_and_answers_them_in_order():
    questions = ["When was it established?", "hello", "What is the GDP of Kashgar?", "foreign", "新疆自贸区有多大"]
    result = ftz("ask", "--json", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in rows] == questions
    assert [r["outcome"] for r in rows] == ["answer", "small_talk", "no_match", "clarify", "answer"]
    assert [r["answered"] for r in rows] == [True, False, False, False, True]
    assert rows[2]["source"] is None and rows[2]["fact_id"] is None
    assert all(set(s) == {"fact_id", "question", "confidence"} for s in rows[3]["suggestions"])
    assert rows[4]["language"] == "zh" and "179.66" in rows[4]["answer"]


def test_ask_for_people_shows_the_answer_the_quoted_source_and_the_confidence():
    result = ftz("ask", "when", "was", "it", "established")
    assert result.returncode == 0
    assert "November 1, 2023" in result.stdout
    assert "“On November 1, a significant milestone" in result.stdout
    assert "confidence" in result.stdout


def test_check_summarises_a_valid_knowledge_folder():
    result = ftz("check")
    assert result.returncode == 0
    assert "facts: " in result.stdout and "languages: en, zh" in result.stdout


def test_check_fails_with_exit_1_naming_fact_and_field_of_a_misquoted_source(knowledge_copy):
    facts = knowledge_copy / "facts.toml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("Banks are also urged", "Banks are urged"),
                     encoding="utf-8")
    result = ftz("--knowledge", str(knowledge_copy), "check")
    assert result.returncode == 1
    assert "fact 'bank_infrastructure_support'" in result.stderr and "field 'sources'" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_reports_every_problem_of_one_run_together(knowledge_copy):
    facts = knowledge_copy / "facts.toml"
    text = facts.read_text(encoding="utf-8").replace("Banks are also urged", "Banks are urged")
    facts.write_text(text.replace('id = "kashgar_share"', 'id = "kashgar_area"'), encoding="utf-8")
    result = ftz("--knowledge", str(knowledge_copy), "check")
    assert result.returncode == 1
    assert "fact 'bank_infrastructure_support', field 'sources'" in result.stderr
    assert "fact 'kashgar_area', field 'id'" in result.stderr
    assert "verdict: invalid: 2 problems" in result.stderr
    errors = json.loads(ftz("--knowledge", str(knowledge_copy), "check", "--json").stdout)["errors"]
    assert {(e["fact_id"], e["field"]) for e in errors} == {("bank_infrastructure_support", "sources"),
                                                           ("kashgar_area", "id")}


def test_check_strict_passes_on_the_bundled_folder_and_routes_every_alternate_question_home():
    result = ftz("check", "--strict", "--json")
    assert result.returncode == 0, result.stdout[-2000:]
    proof = json.loads(result.stdout)["proof"]
    assert proof["proven"] is True and proof["misrouted"] == [] and proof["questions"] > 500
    assert all(route["got"] == route["fact_id"] for route in proof["routes"])
    assert len(proof["routes"]) == proof["questions"]


def test_check_strict_fails_on_a_question_that_routes_elsewhere_and_names_where_it_went(knowledge_copy):
    facts = knowledge_copy / "facts.toml"
    facts.write_text(facts.read_text(encoding="utf-8").replace(
        '"Is Urumqi bigger than Kashgar?"', '"Is Urumqi bigger than Kashgar?", "How big is Horgos?"'), encoding="utf-8")
    lenient = ftz("--knowledge", str(knowledge_copy), "check")
    assert lenient.returncode == 0 and "verdict: not proven" in lenient.stdout
    assert "area_ranking [en] 'How big is Horgos?' → horgos_area" in lenient.stdout
    strict = ftz("--knowledge", str(knowledge_copy), "check", "--strict")
    assert strict.returncode == 1


def test_check_strict_fails_on_a_lexicon_entry_that_normalises_to_nothing_or_is_claimed_twice(knowledge_copy):
    lexicon = knowledge_copy / "lexicon.toml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8").replace(
        'port = ["port",', 'port = ["$", "hub", "port",'), encoding="utf-8")
    result = ftz("--knowledge", str(knowledge_copy), "check", "--strict", "--json")
    assert result.returncode == 1
    proof = json.loads(result.stdout)["proof"]
    assert [f["entry"] for f in proof["empty"]] == ["$"]
    assert any(f["entry"] == "hub" and "hub, port" in f["problem"] for f in proof["ambiguous"])


def test_check_strict_fails_on_a_concept_no_fact_uses(knowledge_copy):
    lexicon = knowledge_copy / "lexicon.toml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8").replace(
        'port = ["port",', 'volcano = ["volcano", "lava"]\nport = ["port",'), encoding="utf-8")
    result = ftz("--knowledge", str(knowledge_copy), "check", "--strict")
    assert result.returncode == 1
    assert "'volcano': no fact's questions" in result.stdout


def test_check_reports_the_line_of_a_toml_syntax_error(knowledge_copy):
    lexicon = knowledge_copy / "lexicon.toml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8") + "\n[broken\n", encoding="utf-8")
    result = ftz("--knowledge", str(knowledge_copy), "check")
    assert result.returncode == 1 and "lexicon.toml" in result.stderr and "line" in result.stderr


def test_eval_prints_accuracy_by_category_and_fails_below_the_bar(tmp_path):
    labelled = tmp_path / "set.tsv"
    labelled.write_text("category\texpected\tquestion\nshort\ttotal_area\tsize?\n"
                        "short\turumqi_area\tHorgos size\n", encoding="utf-8")
    result = ftz("eval", str(labelled))
    assert result.returncode == 0
    assert "short" in result.stdout and "0.500" in result.stdout and "Horgos size" in result.stdout
    assert ftz("eval", str(labelled), "--min-accuracy", "0.9").returncode == 1
    assert ftz("eval", str(tmp_path / "missing.tsv")).returncode == 2


def test_eval_rejects_a_label_that_names_no_fact(tmp_path):
    labelled = tmp_path / "set.tsv"
    labelled.write_text("category\texpected\tquestion\nshort\ttotal_aera\tsize?\n", encoding="utf-8")
    result = ftz("eval", str(labelled))
    assert result.returncode == 2 and "total_aera" in result.stderr


@pytest.mark.parametrize("command", [[], ["run"], ["ask"], ["check"], ["init"], ["eval"]])
def test_every_command_has_help(command):
    result = ftz(*command, "--help")
    assert result.returncode == 0 and "usage:" in result.stdout


def test_a_usage_error_exits_2():
    assert ftz("frobnicate").returncode == 2
    assert ftz("eval").returncode == 2


def test_running_without_a_token_explains_how_to_get_one_and_opens_the_console_chat(tmp_path):
    result = ftz(stdin="how big is kashgar?\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "@BotFather" in result.stderr
    assert "28.48" in result.stdout
    assert "Traceback" not in result.stderr


def test_the_knowledge_folder_ships_inside_the_wheel_and_loads_from_anywhere(tmp_path):
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(tmp_path.glob("ftz_facts-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert {"bot/_knowledge/facts.toml", "bot/_knowledge/article.txt", "bot/_knowledge/lexicon.toml",
                "bot/lexicon/generic.toml", "bot/lexicon/generic.ru.toml",
                "bot/templates/messages.en.toml"} <= set(names)
        archive.extractall(tmp_path / "site")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "how big is horgos"], capture_output=True,
                            text=True, cwd=elsewhere, env={**env, "PYTHONPATH": str(tmp_path / "site")}, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["fact_id"] == "horgos_area"


def test_check_json_reports_the_summary_or_the_fault_for_machines(knowledge_copy):
    summary = json.loads(ftz("check", "--json").stdout)
    assert summary["ok"] is True and summary["facts"] >= 20 and summary["languages"] == ["en", "zh", "ru"]
    facts = knowledge_copy / "facts.toml"
    facts.write_text(facts.read_text(encoding="utf-8").replace('id = "kashgar_share"', 'id = "kashgar_area"'),
                     encoding="utf-8")
    result = ftz("--knowledge", str(knowledge_copy), "check", "--json")
    fault = json.loads(result.stdout)
    assert result.returncode == 1
    assert (fault["ok"], fault["fact_id"], fault["field"]) == (False, "kashgar_area", "id")


def test_ask_conversation_resolves_follow_ups_and_a_blank_line_starts_a_new_conversation():
    lines = ["how big is the Horgos area?", "and Kashgar?", "", "and Kashgar?"]
    result = ftz("ask", "--json", "--conversation", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["fact_id"] for r in rows[:2]] == ["horgos_area", "kashgar_area"]
    assert rows[1]["follow_up"] is True and rows[2]["follow_up"] is False


def test_ask_json_gives_every_part_of_a_message_with_two_questions():
    row = json.loads(ftz("ask", "--json", "how big is the zone and when did it open?").stdout)
    assert [p["fact_id"] for p in row["parts"]] == ["total_area", "establishment_date"]
    assert "179.66" in row["answer"] and "November 1, 2023" in row["answer"]


def test_ask_json_says_why_nothing_was_answered():
    row = json.loads(ftz("ask", "--json", "what is the population of Kashgar?").stdout)
    assert row["answered"] is False and "population" in row["reason"]
    assert json.loads(ftz("ask", "--json", "how big is Horgos?").stdout)["reason"] is None


BUNDLED_WORDS = re.compile(r"xinjiang|horgos|kashgar|urumqi|\bftz\b|free trade|belt and road", re.IGNORECASE)


def test_ask_json_on_a_second_article_answers_from_it_and_refuses_what_it_does_not_say():
    questions = ["How many solar panels does the farm have?", "Who is Dana Okafor?", "What is the weather in Ashby?",
                 "hello", "How big is the Horgos area?"]
    result = ftz("--knowledge", str(SOLAR), "ask", "--json", stdin="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["fact_id"] for r in rows[:2]] == ["farm_solar_panels", "heliotrope_energy_s_chief"]
    assert [r["outcome"] for r in rows[2:]] == ["no_match", "small_talk", "no_match"]
    assert "610,000" in rows[0]["answer"] and rows[0]["source"].startswith("The farm has 610,000")
    assert not BUNDLED_WORDS.search(" ".join(str(r["answer"]) for r in rows))


def test_init_drafts_a_folder_that_check_accepts_and_ask_answers_at_once(tmp_path):
    folder = tmp_path / "drafted"
    result = ftz("init", str(SOLAR / "article.txt"), str(folder))
    assert result.returncode == 0, result.stderr
    assert "11 facts" in result.stdout and "zone: lake_merrow_solar_farm" in result.stdout
    assert {p.name for p in folder.iterdir()} == {"article.txt", "article.toml", "facts.toml", "lexicon.toml",
                                                  "messages.toml"}
    assert ftz("--knowledge", str(folder), "check").returncode == 0
    answer = json.loads(ftz("--knowledge", str(folder), "ask", "--json", "When did construction start?").stdout)
    assert answer["answered"] and "June 2022" in answer["answer"]


def test_report_reads_the_log_of_the_folder_given_by_knowledge(tmp_path):
    env = {"BOT_DB_PATH": "", "XDG_DATA_HOME": str(tmp_path / "xdg")}
    result = ftz("--knowledge", str(SOLAR), "report", "--since", "all", env=env)
    assert result.returncode == 1 and "questions-solar-" in result.stderr  # no log yet: named by the folder


def test_init_refuses_to_overwrite_a_folder_and_needs_an_existing_article(tmp_path):
    assert ftz("init", str(SOLAR / "article.txt"), str(REPO / "knowledge")).returncode == 1
    assert ftz("init", str(tmp_path / "missing.txt"), str(tmp_path / "new")).returncode == 2
    assert ftz("init", "--help").returncode == 0
