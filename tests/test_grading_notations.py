"""Issue 20, class 2: value-equal notations read as the number they write, per task convention.

Outputs are written the way chat models answer GSM8K/MGSM in each language; the value they state
is the gold's value in another notation (scientific, a magnitude word, below zero, percent).
"""

from __future__ import annotations

import pytest

from harness.grading import grade
from harness.grading.mathcmp import answers_match

SCIENTIFIC = [
    ("en", "Each of the 7 crates holds 10,000 seeds.\n\nTotal seeds = 7 × 10^4 seeds.\n\n**Answer:** The farm "
           "plants 7 × 10^4 seeds.", "70000"),
    ("en", "The number of cells doubles 4 times: $5 \\cdot 2^4 = 80$ thousand... no, in millions: the answer is "
           "$\\boxed{7\\times10^{4}}$.", "70000"),
    ("en", "Multiply: 3.5 * 2 = 7, so 7e4 grains.\n\nThe answer is 7e4.", "70000"),
    ("de", "Also sind es insgesamt 1,5 · 10⁶ Liter.\n\n**Antwort:** 1,5 · 10⁶ Liter", "1500000"),
    ("fr", "Il faut donc 2,5 × 10^3 grammes de farine.\n\nRéponse : 2,5 × 10^3", "2500"),
    ("zh", "所以总共需要 1.2×10^4 个零件。\n\n答案：1.2×10^4", "12000"),
    ("ru", "Итого: 4 · 10^{-2} = 0,04.\n\nОтвет: 4 · 10^{-2}", "0.04"),
    ("en", "There are 10^3 grams in a kilogram, so 10^3 grams.\n\nThe answer is 10^3.", "1000"),
]


@pytest.mark.parametrize(("language", "response", "gold"), SCIENTIFIC, ids=[f"{s[0]}-{i}" for i, s in
                                                                            enumerate(SCIENTIFIC)])
def test_scientific_notation_is_one_number_not_its_exponent(language: str, response: str, gold: str) -> None:
    g = grade("number", response, gold, language=language)
    assert (g.correct, g.extracted) == (True, gold), g


@pytest.mark.parametrize(
    ("response", "gold", "extracted"),
    [
        ("The answer is 7 × 10^4.", "40000", "70000"),  # a wrong mantissa stays wrong
        ("The box holds 27 cm^3 of sand, so the answer is 27 cm^3", "27", "27"),  # a unit's exponent
        ("Solving x^2 = 49 gives x = 7.", "7", "7"),
        ("Its area is 5^2 = 25 square feet.\n\nThe answer is 25.", "25", "25"),
        ("The answer is **18** 5 friends came too.", "18", "18"),  # bold markup is not a power
        ("Total: 3 × 10 = 30 marbles.", "30", "30"),  # times ten, no exponent: a calculation
    ],
)
def test_exponents_and_calculations_near_notation(response: str, gold: str, extracted: str) -> None:
    g = grade("number", response, gold)
    assert g.extracted == extracted, g
    assert g.correct is (extracted == gold)


MAGNITUDES = [
    ("en", "She saves $500 a month for 7 years: 500 × 84 = 42,000.\n\nThe answer is 42 thousand dollars.", "42000"),
    ("en", "The town grew from 1.2 million to 3.5 million, an increase of 2.3 million people.\n\n"
           "The answer is 2.3 million.", "2300000"),
    ("en", "Ravi's salary is ₹2.5 lakh a year; over 4 years he earns ₹10 lakh.\n\nThe answer is 10 lakh.", "1000000"),
    ("en", "The project costs 3 crore rupees in total.\n\nAnswer: 3 crore", "30000000"),
    ("de", "Die Stadt hat jetzt 2 Millionen Einwohner.\n\n**Antwort:** 2 Millionen", "2000000"),
    ("de", "Der Umsatz beträgt 4,5 Mio. Euro.\n\nDie Antwort lautet 4,5 Mio. Euro.", "4500000"),
    ("es", "En total ganó 5 mil dólares.\n\nLa respuesta es 5 mil.", "5000"),
    ("es", "La ciudad gastó 2 mil millones de pesos.\n\nRespuesta: 2 mil millones", "2000000000"),
    ("pt", "Ao todo, a empresa lucrou 3 milhões de reais.\n\nResposta: 3 milhões", "3000000"),
    ("ru", "Он заработал 15 тыс. рублей за месяц.\n\nОтвет: 15 тыс. рублей", "15000"),
    ("ru", "Бюджет составит 2,5 млн рублей.\n\nОтвет: 2,5 млн", "2500000"),
    ("ru", "Всего 3 млрд долларов.\n\nОтвет: 3 млрд.", "3000000000"),
    ("zh", "每个月存 5000 元，一共存了 3 万元。\n\n答案：3 万", "30000"),
    ("zh", "这座城市人口为 1.4 亿。\n\n答案是 1.4 亿人。", "140000000"),
    ("ja", "年間の売上は1,500万円です。\n\n答え：1,500万円", "15000000"),
    ("ja", "合計は1万2000円です。\n\n答え：1万2000円", "12000"),
    ("zh", "每月3500元，十个月一共是3万5千元。", "35000"),  # no answer phrase: the last number
    ("ja", "売上は合計で1億2000万円になりました。", "120000000"),
    ("th", "รวมทั้งหมด 3 ล้านบาท\n\nคำตอบ: 3 ล้าน", "3000000"),
    ("th", "เขาได้เงิน 5 แสนบาท\n\nคำตอบคือ 5 แสนบาท", "500000"),
    ("bn", "মোট খরচ 2 কোটি টাকা।\n\nউত্তর: 2 কোটি", "20000000"),
    ("te", "మొత్తం 5 లక్షలు రూపాయలు.\n\nసమాధానం: 5 లక్షలు", "500000"),
    ("sw", "Alilipa shilingi elfu 5 kwa kila mwezi.\n\nJibu: shilingi elfu 5", "5000"),
]


@pytest.mark.parametrize(("language", "response", "gold"), MAGNITUDES, ids=[f"{m[0]}-{i}" for i, m in
                                                                            enumerate(MAGNITUDES)])
def test_a_magnitude_word_multiplies_its_number(language: str, response: str, gold: str) -> None:
    g = grade("number", response, gold, language=language)
    assert (g.correct, g.extracted) == (True, gold), g


def test_a_magnitude_word_against_a_gold_of_its_bare_number_is_wrong() -> None:
    # "How many thousands of dollars?" is not a GSM8K convention: the number as written is its value.
    assert grade("number", "The answer is 42 thousand.", "42").correct is False
    assert grade("number", "The answer is 42 thousand.", "42000").correct is True


BELOW_ZERO = [
    ("en", "It was 4 °C at noon and dropped 14 degrees.\n\nThe answer is 10 degrees below zero.", "-10"),
    ("en", "4 - 14 = -10, so by midnight it was 10°C below zero.", "-10"),
    ("en", "The temperature at night is minus 10 degrees.", "-10"),
    ("de", "Mittags 4 Grad, dann 14 Grad kälter.\n\nAntwort: 10 Grad unter Null", "-10"),
    ("es", "Bajó 14 grados desde 4 grados.\n\nRespuesta: 10 grados bajo cero", "-10"),
    ("fr", "Il fait 4 degrés puis 14 de moins.\n\nRéponse : moins 10 degrés", "-10"),
    ("ru", "Было 4 градуса, стало на 14 холоднее.\n\nОтвет: 10 градусов ниже нуля", "-10"),
    ("ru", "Ответ: минус 10 градусов.", "-10"),
    ("zh", "中午4度，下降14度。\n\n答案：零下10度", "-10"),
    ("ja", "正午は4度で、14度下がりました。\n\n答え：氷点下10度", "-10"),
    ("th", "อุณหภูมิลดลง 14 องศาจาก 4 องศา\n\nคำตอบ: ติดลบ 10 องศา", "-10"),
    ("sw", "Joto lilishuka nyuzi 14 kutoka nyuzi 4.\n\nJibu: nyuzi 10 chini ya sifuri", "-10"),
    ("bn", "তাপমাত্রা ১৪ ডিগ্রি কমেছে।\n\nউত্তর: ১০ ডিগ্রি শূন্যের নিচে", "-10"),
    ("bn", "উত্তর: মাইনাস ১০ ডিগ্রি", "-10"),
    ("te", "ఉష్ణోగ్రత 14 డిగ్రీలు తగ్గింది.\n\nసమాధానం: 10 డిగ్రీలు సున్నా కంటే తక్కువ", "-10"),
]


@pytest.mark.parametrize(("language", "response", "gold"), BELOW_ZERO, ids=[f"{b[0]}-{i}" for i, b in
                                                                           enumerate(BELOW_ZERO)])
def test_below_zero_is_negative(language: str, response: str, gold: str) -> None:
    g = grade("number", response, gold, language=language)
    assert (g.correct, g.extracted) == (True, gold), g
    assert grade("number", response, "10", language=language).correct is False


@pytest.mark.parametrize(
    "response",
    [
        "The temperature fell 20 minus 5 = 15 degrees.",  # subtraction, not a sign
        "She had 20 cookies and ate 5, so 20 minus 5 leaves 15.",
        "Dann 20 moins 5 = 15.",
    ],
)
def test_a_sign_word_after_a_number_is_subtraction(response: str) -> None:
    assert grade("number", response, "15", language="fr" if "moins" in response else "en").correct is True


def test_a_question_asked_in_below_zero_terms_is_answered_with_the_magnitude() -> None:
    prompt = ("At 6 pm the temperature was 3 degrees below zero. By midnight it had fallen another 7 degrees. "
              "How many degrees below zero was it at midnight?")
    response = "3 + 7 = 10.\n\nThe answer is 10 degrees below zero."
    assert grade("number", response, "10", prompt=prompt).correct is True
    # The same words in the story, but the question asks for the temperature: the sign counts.
    prompt = "At 6 pm it was 3 degrees below zero and it fell 7 more degrees. What was the temperature at midnight?"
    assert grade("number", response, "-10", prompt=prompt).correct is True
    assert grade("number", response, "10", prompt=prompt).correct is False


PERCENT = [
    ("en", "25 out of 100 students is 25%.\n\nThe answer is 25%.", "25", True),
    ("en", "The discount is 0.25 of the price.\n\nThe answer is 0.25.", "25", False),
    ("en", "#### 25 percent", "25", True),
    ("de", "Das sind 25 %.\n\nAntwort: 25 Prozent", "25", True),
    ("fr", "Réponse : 25 %", "25", True),
    ("es", "La respuesta es 25 por ciento.", "25", True),
    ("ru", "Ответ: 25 процентов", "25", True),
    ("zh", "答案：百分之二十五", "25", True),
    ("ja", "答え：25％", "25", True),
    ("sw", "Jibu ni asilimia 25.", "25", True),
    ("th", "คำตอบคือ ร้อยละ 25", "25", True),
    ("bn", "উত্তর: 25 শতাংশ", "25", True),
    ("te", "సమాధానం: 25 శాతం", "25", True),
    ("en", "She spent 1/4 of her money.\n\nThe answer is 1/4.", "25", False),
]


@pytest.mark.parametrize(("language", "response", "gold", "correct"), PERCENT,
                         ids=[f"{p[0]}-{i}" for i, p in enumerate(PERCENT)])
def test_percent_is_the_number_before_its_sign_not_a_fraction(language: str, response: str, gold: str,
                                                                correct: bool) -> None:
    assert grade("number", response, gold, language=language).correct is correct


@pytest.mark.parametrize(
    ("gold", "answer", "equal"),
    [
        ("(3, \\infty)", "x > 3", True),
        ("(3,\\infty)", "x \\geq 3", False),
        ("[-2,\\infty)", "x \\ge -2", True),
        ("(-\\infty, 5)", "x<5", True),
        ("(-1,4]", "-1 < x \\le 4", True),
        ("(-1,4]", "4 \\geq x > -1", True),
        ("(-1,4]", "-1 \\le x \\le 4", False),
        ("(-\\frac{1}{2}, 4]", "-0.5 < x \\leq 4", True),
        ("(-\\infty,-2)\\cup(3,\\infty)", "x < -2 \\text{ or } x > 3", True),
        ("(-\\infty,-2]\\cup[3,\\infty)", "x \\le -2 or x \\geq 3", True),
        ("(-\\infty,-2)\\cup(3,\\infty)", "x<-2 \\text{ or } x\\ge3", False),
        ("x > 3", "(3, \\infty)", True),
        ("t \\ge 2", "[2,\\infty)", True),
        ("(3,\\infty)", "(3, ∞)", True),  # Unicode symbols are their LaTeX
        ("(-\\infty,2]", "x ≤ 2", True),
        ("3\\sqrt{2}", "3√2", True),
        ("\\sqrt{x+1}", "√(x+1)", True),
        ("3\\sqrt{2}", "3√3", False),
        ("3", "x > 3", False),
    ],
)
def test_an_inequality_is_the_interval_it_describes(gold: str, answer: str, equal: bool) -> None:
    assert answers_match(gold, answer) is equal


@pytest.mark.parametrize(
    ("response", "gold", "correct"),
    [
        ("Dividing by $-2$ flips the sign, so the solution is $x > 3$.", "(3,\\infty)", True),
        ("Thus the solution set is $$\\boxed{x \\le -2 \\text{ or } x \\ge 3}$$", "(-\\infty,-2]\\cup[3,\\infty)",
         True),
        ("The final answer is: $\\boxed{x < 3}$", "(3,\\infty)", False),
    ],
)
def test_math_outputs_that_state_an_inequality(response: str, gold: str, correct: bool) -> None:
    assert grade("math", response, gold).correct is correct


@pytest.mark.parametrize(
    ("language", "response", "gold"),
    [
        ("zh", "每袋5千克，一共2袋。\n\n答案：10千克", "10"),  # 千克 is kg, not thousands
        ("zh", "他每天走3千米，所以一共走了15 千米。", "15"),
        ("zh", "答案：五千克", "5"),
        ("fr", "La région compte 12 lacs, et il en visite 3 lacs par jour.\n\nRéponse : 4 jours", "4"),
        ("fr", "Il y a 3 lacs de plus, donc 15 lacs.", "15"),  # "lacs" is lakes in French, not lakh
        ("ja", "1冊3千円の本を2冊買うと、合計は6千円です。", "6000"),  # 千円 is thousands of yen
    ],
)
def test_a_unit_that_looks_like_a_magnitude_is_not_one(language: str, response: str, gold: str) -> None:
    g = grade("number", response, gold, language=language)
    assert (g.correct, g.extracted) == (True, gold), g


CLOCK = [
    ("en", "Making and cooling take 3 hours, so she must start 3 hours before 5:00 pm: 5 - 3 = 2.\n\n"
           "The latest time is 2:00 pm.", "2", True),
    ("en", '{"reasoning": "5:00 pm minus 3 hours", "answer": "2:00 PM"}', "2", True),
    ("en", "The train leaves at 14:00.\n\nThe answer is 14:00.", "14", True),
    ("de", "Sie muss spätestens um 14:00 Uhr anfangen.\n\nAntwort: 14:00 Uhr", "14", True),
    ("en", "The answer is 2:00 pm.", "0", False),  # the minutes are not the answer
    ("en", "She arrives at 2:30 pm, 30 minutes late.\n\nThe answer is 30.", "30", True),  # other minutes: two numbers
]


@pytest.mark.parametrize(("language", "response", "gold", "correct"), CLOCK, ids=[f"{c[0]}-{i}" for i, c in
                                                                                 enumerate(CLOCK)])
def test_a_time_on_the_hour_is_the_hour_not_its_minutes(language: str, response: str, gold: str,
                                                        correct: bool) -> None:
    assert grade("number", response, gold, language=language).correct is correct


def test_a_time_on_the_hour_replaces_both_of_its_tokens_in_place() -> None:
    from fractions import Fraction

    from harness.grading.numbers import numbers_in

    assert numbers_in("5:00 pm - 3 = 2:00 pm.") == [(0, 4, Fraction(5)), (10, 11, Fraction(3)),
                                                    (14, 18, Fraction(2))]
    assert numbers_in("-2:00") == [(0, 5, Fraction(-2))]  # the sign stays with the hour
    assert numbers_in("10:00:00") == [(0, 2, Fraction(10)), (3, 5, Fraction(0)), (6, 8, Fraction(0))]
