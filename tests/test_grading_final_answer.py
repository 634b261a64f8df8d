"""Issue 20: the final answer located by the sentence that states it; cut outputs are truncated;
raw outputs cut at the task's stop strings; `harness grade` told about think blocks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.grading import grade
from harness.grading.files import cut_at_stops

# Concluding sentences after a colon-type answer phrase, as chat models write them in the MGSM
# languages: the subject or a scene-setting phrase holds a number that is not the answer.
SENTENCES = [
    ("en", "Each box is 3 by 4 by 2 inches inside, so one holds 24 cubic inches.\n\n**Answer:** The combined "
           "volume of all 3 boxes is 72 cubic inches.", "72"),
    ("en", "Adding the ages: 12 + 15 + 9 + 15 = 51.\n\n**Final Answer:** The total age of the four parrots is "
           "51 years.", "51"),
    ("en", "Today he is 99, so:\n\nFinal answer: In 10 years, Grandpa Joe will be 109 years old.", "109"),
    ("de", "Er fährt 15 Meilen pro Stunde.\n\n**Antwort:** Nach 3 Stunden beträgt die Strecke 45 Meilen.", "45"),
    ("fr", "Il roule à 60 km/h.\n\nRéponse : en 2 heures, il parcourt 120 km.", "120"),
    ("es", "Cada hora gana 9 dólares.\n\nRespuesta: En 4 horas gana 36 dólares.", "36"),
    ("ru", "Она зарабатывает 6 долларов в день.\n\nОтвет: за 3 дня она заработает 18 долларов.", "18"),
    ("sw", "Leo ana miaka 99.\n\nJibu: Baada ya miaka 10 atakuwa na miaka 109.", "109"),
    ("zh", "每天多3个。\n\n答案：3天后她有18个苹果。", "18"),
    ("ja", "1日7時間、5日間働きます。\n\n答え：ジョンは1週間に35時間働きます。", "35"),
    ("th", "วันละ 6 ดอลลาร์\n\nคำตอบ: ใน 3 วัน เธอได้เงิน 18 ดอลลาร์", "18"),
    ("bn", "ঘণ্টায় 15 মাইল।\n\nউত্তর: 3 ঘণ্টা পরে সে 45 মাইল দূরে থাকবে।", "45"),
    ("te", "రోజుకు 6 డాలర్లు.\n\nసమాధానం: 3 రోజుల్లో ఆమె 18 డాలర్లు సంపాదిస్తుంది.", "18"),
]


@pytest.mark.parametrize(("language", "response", "gold"), SENTENCES, ids=[s[0] for s in SENTENCES])
def test_the_sentence_states_the_answer_after_its_verb(language: str, response: str, gold: str) -> None:
    g = grade("number", response, gold, language=language)
    assert (g.correct, g.extracted) == (True, gold), g
    assert g.span is not None and gold in response[slice(*g.span)]


@pytest.mark.parametrize(
    "response",
    [
        "The answer is 18, which is what she earns in 3 days.",  # the phrase ends in its verb: first number
        "Answer: 18 dollars for 3 days",
        "答え：18個になります。",
        "#### 18",
    ],
)
def test_a_value_right_after_the_phrase_still_counts(response: str) -> None:
    assert grade("number", response, "18", language="ja" if "答え" in response else "en").extracted == "18"


@pytest.mark.parametrize(
    ("answer_type", "response", "reason"),
    [
        ("math", "So the area is $\\frac{7}{2}$ square units; squaring gives\n\n$$\\boxed{\\frac{49}{",
         "never closed"),
        ("number", "She sells 9 eggs at $2 each: 9 * 2 = 18.\n\nThe answer is $\\boxed{18 + \\text{tips from",
         "never closed"),
        ("math", "Thus \\boxed{" + "x^2 + " * 400 + "1}", "over 2,000"),
        ("number", "Janet has 16 eggs. She eats 3, leaving 13. Then she bakes with 4, so 13 minus 4 is",
         "mid-sentence"),
        ("number", "Zuerst: 16 - 3 = 13 Eier. Dann backt sie mit 4 Eiern, und", "mid-sentence"),
        ("math", "Let $x = 3$. Then $f(3) = 9 + 6 = 15$, and the derivative at that point is", "mid-sentence"),
    ],
)
def test_cut_outputs_are_truncated_not_graded_on_an_earlier_number(answer_type: str, response: str,
                                                                   reason: str) -> None:
    g = grade(answer_type, response, "15" if answer_type == "math" else "18")
    assert (g.truncated, g.correct, g.extracted) == (True, False, None), g
    assert g.reason is not None and reason in g.reason


def test_a_loop_is_no_answer_not_a_cut() -> None:
    g = grade("number", "The total is 18 and " + "the the the " * 400, "18")
    assert g.truncated is False


def test_stop_strings_cut_a_run_on_output() -> None:
    stops = ("Q:", "</s>", "<|im_end|>")
    run_on = " 16 - 3 - 4 = 9 eggs, 9 * 2 = 18.\n\nQ: A robe takes 2 bolts of fiber. How many? A: 2 + 1 = 3"
    assert cut_at_stops(run_on, stops).rstrip().endswith("18.")
    # A stop string at the very start is a restated question, not the end of the answer.
    restated = "Q: Janet's ducks lay 16 eggs...\nA: 9 * 2 = 18"
    assert cut_at_stops(restated, stops) == restated


def _grade_cli(tmp_path: Path, rows: list[dict[str, object]], *flags: str) -> tuple[list[dict[str, object]], str]:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["grade", str(src), "--out", str(out), "--fresh", *flags])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()], result.output


BASE_RUN_ON = {"task": "gsm8k", "gold": "18",
               "response": " She sells 9 eggs for $2 each, so 9 * 2 = 18.\n\nQ: A robe takes 2 bolts of blue fiber "
                           "and half that much white fiber. How many bolts in total? A: 2 + 1 = 3"}
R1_CUT = {"task": "gsm8k", "gold": "18",
          "response": "Okay, so Janet's ducks lay 16 eggs a day. She eats 3, which leaves 13, then uses 4 for muffins"}


def test_harness_grade_cuts_raw_outputs_and_is_told_about_think_blocks(tmp_path: Path) -> None:
    graded, output = _grade_cli(tmp_path, [BASE_RUN_ON, R1_CUT])
    assert graded[0]["correct"] is True and graded[0]["span_text"] == "18"
    # Untold, the R1-style output is graded as plain text, and grade says it cannot know.
    assert graded[1]["correct"] is False
    assert "--think-in-prompt" in output
    graded, output = _grade_cli(tmp_path, [R1_CUT], "--think-in-prompt")
    assert graded[0]["truncated"] is True and "--think-in-prompt" not in output
    graded, _ = _grade_cli(tmp_path, [R1_CUT], "--model", "deepseek-r1-distill-qwen-7b")
    assert graded[0]["truncated"] is True


def test_harness_grade_refuses_an_unknown_model(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(R1_CUT) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["grade", str(src), "--model", "no-such-model"])
    assert result.exit_code == 2 and "no-such-model" in result.output


@pytest.mark.parametrize(
    ("language", "response", "gold"),
    [
        ("de", "Die Wohnung kostet pro Jahr 4'800 Franken mehr, also insgesamt **57'500 Franken**.", "57500"),
        ("fr", "Le total est donc de 57’500 francs suisses.", "57500"),
        ("en", "So the prize money is ₹1,00,000 in total.", "100000"),
        ("en", "The company earns 12,34,567 rupees in a year, so the answer is 12,34,567.", "1234567"),
        ("en", "Adding them up: 1,234,567 + 1 = 1,234,568.", "1234568"),
    ],
)
def test_thousands_separators_of_every_locale(language: str, response: str, gold: str) -> None:
    assert grade("number", response, gold, language=language).extracted == gold


def test_a_loop_over_options_is_no_answer() -> None:
    looping = "Let me think about which option fits. " + "Is it B? No, maybe C. Is it C? Perhaps B. " * 60
    g = grade("choice_letter", looping, "B", choices=("red", "blue", "green", "yellow"))
    assert (g.extracted, g.correct, g.reason) == (None, False, "output loops")
    # A line of asterisks after a stated answer is markup, not a loop.
    assert grade("choice_letter", "Answer: B\n" + "*" * 300, "B").correct


CHOICES = ("It halves", "It doubles", "It stays the same", "It quadruples", "It vanishes")


@pytest.mark.parametrize(
    "response",
    [
        "答えはBかCのどちらかです。",
        "答え：BまたはC",
        "คำตอบคือ B หรือ C",
        "উত্তর: B বা C",
        "సమాధానం: B లేదా C",
        "Jibu ni B au C.",
        "Die Antwort ist B oder C.",
    ],
)
def test_a_hedge_between_options_is_no_answer_in_every_language(response: str) -> None:
    g = grade("choice_letter", response, "B", choices=CHOICES)
    assert (g.extracted, g.correct) == (None, False), g


@pytest.mark.parametrize(
    "response",
    [
        "Using E = hc/λ, a shorter wavelength means more energy per photon, so the energy changes.",
        "The area is A = πr², so doubling r changes the area a lot.",
        "From F = ma and a = F/m we get the acceleration.",
    ],
)
def test_a_formula_is_not_a_choice_of_option(response: str) -> None:
    assert grade("choice_letter", response, "E", choices=CHOICES).extracted is None


@pytest.mark.parametrize(
    ("response", "gold"),
    [("The answer is D, not B.", "D"), ("Die Antwort ist D, nicht B.", "D"), ("I think C - the others fail.", "C")],
)
def test_a_rejected_option_is_never_the_answer(response: str, gold: str) -> None:
    assert grade("choice_letter", response, gold, choices=CHOICES).extracted == gold
