"""Prompt builders: base models get few-shot text, chat models zero-shot chain of thought.

A builder takes (task, doc, shots, chat) and returns a Prompt. Builders are registered by name
(`PROMPTS`, harness.tasks.registries); a task YAML names one in `prompt:`. Base-model formats
follow the lm-eval task each TaskSpec names in `lm_eval_task`; where they differ, the builder's
docstring says how. Log-likelihood builders ignore `chat`: choices are scored on plain text for
every model kind, as lm-eval does.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.errors import InputError
from harness.specs import TaskSpec
from harness.tasks.base import Doc, Prompt
from harness.tasks.registries import PROMPTS

Builder = Callable[[TaskSpec, Doc, list[Doc], bool], Prompt]
LETTERS = "ABCDEFGHIJ"


def build_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """The prompt of one item, by the builder the task YAML names in `prompt:`."""
    if task.prompt is None:
        raise InputError(f"task '{task.id}': no prompt builder", f"name one in `prompt:`: {', '.join(PROMPTS.names())}")
    return PROMPTS.get(task.prompt, f"task '{task.id}'")(task, doc, shots, chat)


def user(text: str) -> tuple[dict[str, str], ...]:
    return ({"role": "user", "content": text},)


def in_order(shots: list[Doc]) -> list[Doc]:
    """A fixed exemplar set in its published order (lm-eval `first_n`); sampled pools as drawn."""
    if shots and all("order" in s.meta for s in shots):
        return sorted(shots, key=lambda s: s.meta["order"])
    return shots


def subject_shots(task: TaskSpec, doc: Doc, shots: list[Doc]) -> list[Doc]:
    """Exemplars of the doc's own subject when the loader attached them (from the dev or validation
    split, never the item's own split), else the sampled ones."""
    if "shots" in doc.meta:
        return list(doc.meta["shots"])[: task.fewshot]
    return shots


# ---------------------------------------------------------------- numeric answers (GSM8K)

NUMBER_COT = (
    "Solve the following math problem step by step. The last line of your response should be "
    "of the form \"The answer is N\" where N is the final number.\n\n{question}"
)


@PROMPTS.register("number")
def number_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    if chat:
        return Prompt(messages=user(NUMBER_COT.format(question=doc.question)))
    parts = [f"Question: {s.question}\nAnswer: {s.solution} The answer is {s.gold}.\n\n" for s in shots]
    parts.append(f"Question: {doc.question}\nAnswer:")
    return Prompt(text="".join(parts), stop=("Question:", "</s>", "<|im_end|>", "\n\n\n"))


@PROMPTS.register("gsm8k")
def gsm8k_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval gsm8k_cot: the 8 Wei et al. exemplars, "Q: …\\nA: … The answer is N.", until "Q:"."""
    if chat:
        return Prompt(messages=user(NUMBER_COT.format(question=doc.question)))
    parts = [f"Q: {s.question}\nA: {s.solution}\n\n" for s in in_order(shots)]
    parts.append(f"Q: {doc.question}\nA:")
    return Prompt(text="".join(parts), stop=("Q:", "</s>", "<|im_end|>"))


# ---------------------------------------------------------------- math (MATH-500, AIME)

MATH_COT = "{question}\nPlease reason step by step, and put your final answer within \\boxed{{}}."


@PROMPTS.register("math")
def math_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval minerva_math: "Problem:\\n…\\n\\nSolution: …" with the 4 Minerva exemplars.

    Chat models get the DeepSeek-R1 / Qwen instruction asking for a `\\boxed{}` answer.
    """
    if chat:
        return Prompt(messages=user(MATH_COT.format(question=doc.question)))
    parts = [f"Problem:\n{s.question}\n\nSolution: {s.solution}\n\n" for s in in_order(shots)]
    parts.append(f"Problem:\n{doc.question}\n\nSolution:")
    return Prompt(text="".join(parts), stop=("Problem:",))


@PROMPTS.register("aime")
def aime_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval aime24/aime25: zero-shot "Question: …\\nAnswer:" for base models."""
    if chat:
        return Prompt(messages=user(MATH_COT.format(question=doc.question)))
    return Prompt(text=f"Question: {doc.question}\nAnswer:",
                  stop=("Question:", "</s>", "<|im_end|>", "<|eot_id|>"))


# ---------------------------------------------------------------- generative multiple choice

CHOICE_COT = (
    "Answer the following multiple choice question. Think step by step, then give your final "
    "answer on the last line in the form \"Answer: X\" where X is one of {letters}.\n\n"
    "{question}\n\n{options}"
)


def options_block(doc: Doc, sep: str = ". ") -> str:
    return "\n".join(f"{LETTERS[i]}{sep}{c}" for i, c in enumerate(doc.choices))


def question_with_passage(doc: Doc) -> str:
    return f"{doc.passage}\n\n{doc.question}" if doc.passage else doc.question


def choice_cot(doc: Doc) -> Prompt:
    """The chat prompt of every English generative multiple-choice task."""
    letters = ", ".join(LETTERS[: len(doc.choices)])
    text = CHOICE_COT.format(letters=letters, question=question_with_passage(doc), options=options_block(doc))
    return Prompt(messages=user(text))


# A base model's letter is the text up to a blank line or the next exemplar's header.
CHOICE_STOP = ("\n\n", "</s>", "<|im_end|>")


@PROMPTS.register("choice_letter")
def choice_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    if chat:
        return choice_cot(doc)
    parts = [
        f"Question: {question_with_passage(s)}\n{options_block(s)}\nAnswer: {s.gold}\n\n" for s in shots
    ]
    parts.append(f"Question: {question_with_passage(doc)}\n{options_block(doc)}\nAnswer:")
    return Prompt(text="".join(parts), stop=(*CHOICE_STOP, "Question:"))


_COUNT_WORDS = {2: "two", 3: "three", 4: "four", 5: "five"}


def _spelt(letters: str, last: str) -> str:
    """"A, B, C and D" (`last` "and") or "A, B, C or D" (`last` "or")."""
    return f"{', '.join(letters[:-1])} {last} {letters[-1]}"


@PROMPTS.register("arc_chat")
def arc_chat_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval arc_challenge_chat / arc_challenge_llama, the protocol of the Llama 3 model cards'
    instruct ARC-Challenge numbers: 0-shot, lettered options, an answer that ends "The best answer
    is X". The line breaks are real ones, as in arc_challenge_llama (arc_challenge_chat's single-quoted
    YAML sends a literal backslash-n). lm-eval prefills the assistant turn with "The best answer is";
    a chat prompt here ends at the user turn (the harness sends no assistant prefix), so the model
    writes the phrase and the letter grader reads it. Base models get the prefix after the text, one
    space between (lm-eval's join), and stop at a blank line or a full stop. Items with other than four
    options (7 of 1172; arc_challenge_llama drops them) are kept, worded with their own count and
    letters, every option shown."""
    letters = LETTERS[: len(doc.choices)]
    text = (
        f"Given the following question and {_COUNT_WORDS.get(len(letters), str(len(letters)))} candidate answers "
        f"({_spelt(letters, 'and')}), choose the best answer.\nQuestion: {doc.question.strip()}\n{options_block(doc)}\n"
        f'Your response should end with "The best answer is [the_answer_letter]" where the [the_answer_letter] '
        f"is one of {_spelt(letters, 'or')}."
    )
    if chat:
        return Prompt(messages=user(text))
    return Prompt(text=f"{text} The best answer is", stop=("\n\n", "."))


@PROMPTS.register("gpqa")
def gpqa_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval gpqa_diamond_zeroshot's text, answered by generating the letter (lm-eval: by
    log-likelihood of "(A)".."(D)"). Choices are shuffled with a per-item seed (see gpqa_doc)."""
    if chat:
        return choice_cot(doc)
    options = "\n".join(f"({LETTERS[i]}) {c}" for i, c in enumerate(doc.choices))
    text = f"What is the correct answer to this question:{doc.question}\nChoices:\n{options}\nAnswer:"
    return Prompt(text=text, stop=(*CHOICE_STOP, "What is the correct answer"))


MMLU_PRO_INTRO = (
    "The following are multiple choice questions (with answers) about {subject}. Think step by step and "
    "then finish your answer with \"the answer is (X)\" where X is the correct letter choice.\n"
)


def _mmlu_pro_item(doc: Doc) -> str:
    options = "".join(f"{LETTERS[i]}. {c.strip()}\n" for i, c in enumerate(doc.choices))
    return f"Question:\n{doc.question}\nOptions:\n{options}Answer: Let's think step by step."


@PROMPTS.register("mmlu_pro")
def mmlu_pro_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval mmlu_pro: subject description, 5 chain-of-thought exemplars of the same subject
    from the validation split, "Answer: Let's think step by step.", until "Question:"."""
    if chat:
        return choice_cot(doc)
    subject = doc.meta.get("subject", "")
    parts = [MMLU_PRO_INTRO.format(subject=subject)]
    parts += [f"{_mmlu_pro_item(s)} {s.solution}\n\n" for s in subject_shots(task, doc, shots)]
    parts.append(_mmlu_pro_item(doc))
    return Prompt(text="".join(parts), stop=("Question:",))


# ---------------------------------------------------------------- log-likelihood multiple choice


@PROMPTS.register("likelihood_choice")
def likelihood_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval's ARC format: score " {choice}" after "Question: ...\\nAnswer:"."""
    parts = [f"Question: {s.question}\nAnswer: {s.choices[LETTERS.index(s.gold)]}\n\n" for s in shots]
    parts.append(f"Question: {question_with_passage(doc)}\nAnswer:")
    return Prompt(text="".join(parts), continuations=tuple(f" {c}" for c in doc.choices))


@PROMPTS.register("arc")
def arc_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval arc_easy / arc_challenge: "Question: {q}\\nAnswer:" + " {choice}"."""
    return likelihood_prompt(task, doc, shots, chat)


@PROMPTS.register("piqa")
def piqa_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval piqa: "Question: {goal}\\nAnswer:" + " {sol}"."""
    return likelihood_prompt(task, doc, shots, chat)


@PROMPTS.register("boolq")
def boolq_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval boolq: "{passage}\\nQuestion: {question}?\\nAnswer:" + " no" / " yes"."""
    parts = [f"{s.passage}\nQuestion: {s.question}?\nAnswer: {s.choices[LETTERS.index(s.gold)]}\n\n"
             for s in shots]
    parts.append(f"{doc.passage}\nQuestion: {doc.question}?\nAnswer:")
    return Prompt(text="".join(parts), continuations=tuple(f" {c}" for c in doc.choices))


@PROMPTS.register("hellaswag")
def hellaswag_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval hellaswag: the preprocessed context, then " {ending}"."""
    parts = [f"{s.question} {s.choices[LETTERS.index(s.gold)]}\n\n" for s in shots]
    parts.append(doc.question)
    return Prompt(text="".join(parts), continuations=tuple(f" {c}" for c in doc.choices))


@PROMPTS.register("winogrande")
def winogrande_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """WinoGrande with lm-eval's partial scoring: the rest of the sentence, " {rest}", is scored
    after each option-filled prefix (one context per choice)."""
    rest = f" {doc.meta['continuation']}"
    return Prompt(text=doc.question, contexts=tuple(doc.meta["contexts"]),
                  continuations=(rest,) * len(doc.choices))


# ---------------------------------------------------------------- fixed exemplar sets (lm-eval's)

# lm-eval gsm8k_cot (gsm8k-cot.yaml fewshot_config.samples): Wei et al. (2022), question / target.
GSM8K_COT_EXEMPLARS: tuple[tuple[str, str], ...] = (
    (
        ("There are 15 trees in the grove. Grove workers will plant trees in the grove today. After they "
         "are done, there will be 21 trees. How many trees did the grove workers plant today?"),
        ("There are 15 trees originally. Then there were 21 trees after some more were planted. So there "
         "must have been 21 - 15 = 6. The answer is 6."),
    ),
    (
        "If there are 3 cars in the parking lot and 2 more cars arrive, how many cars are in the parking lot?",
        "There are originally 3 cars. 2 more cars arrive. 3 + 2 = 5. The answer is 5.",
    ),
    (
        ("Leah had 32 chocolates and her sister had 42. If they ate 35, how many pieces do they have left "
         "in total?"),
        ("Originally, Leah had 32 chocolates. Her sister had 42. So in total they had 32 + 42 = 74. After "
         "eating 35, they had 74 - 35 = 39. The answer is 39."),
    ),
    (
        ("Jason had 20 lollipops. He gave Denny some lollipops. Now Jason has 12 lollipops. How many "
         "lollipops did Jason give to Denny?"),
        ("Jason started with 20 lollipops. Then he had 12 after giving some to Denny. So he gave Denny 20 - "
         "12 = 8. The answer is 8."),
    ),
    (
        ("Shawn has five toys. For Christmas, he got two toys each from his mom and dad. How many toys does "
         "he have now?"),
        ("Shawn started with 5 toys. If he got 2 toys each from his mom and dad, then that is 4 more toys. "
         "5 + 4 = 9. The answer is 9."),
    ),
    (
        ("There were nine computers in the server room. Five more computers were installed each day, from "
         "monday to thursday. How many computers are now in the server room?"),
        ("There were originally 9 computers. For each of 4 days, 5 more computers were added. So 5 * 4 = 20 "
         "computers were added. 9 + 20 is 29. The answer is 29."),
    ),
    (
        ("Michael had 58 golf balls. On tuesday, he lost 23 golf balls. On wednesday, he lost 2 more. How "
         "many golf balls did he have at the end of wednesday?"),
        ("Michael started with 58 golf balls. After losing 23 on tuesday, he had 58 - 23 = 35. After losing "
         "2 more, he had 35 - 2 = 33 golf balls. The answer is 33."),
    ),
    (
        "Olivia has $23. She bought five bagels for $3 each. How much money does she have left?",
        ("Olivia had 23 dollars. 5 bagels for 3 dollars each will be 5 x 3 = 15 dollars. So she has 23 - 15 "
         "dollars left. 23 - 15 is 8. The answer is 8."),
    ),
)

# lm-eval minerva_math (utils.list_fewshot_samples): Lewkowycz et al. (2022), problem / solution / answer.
MINERVA_MATH_EXEMPLARS: tuple[tuple[str, str, str], ...] = (
    (
        "Find the domain of the expression  $\\frac{\\sqrt{x-2}}{\\sqrt{5-x}}$.",
        ("The expressions inside each square root must be non-negative. Therefore, $x-2 \\ge 0$, so "
         "$x\\ge2$, and $5 - x \\ge 0$, so $x \\le 5$. Also, the denominator cannot be equal to zero, so "
         "$5-x>0$, which gives $x<5$. Therefore, the domain of the expression is $\\boxed{[2,5)}$.\nFinal "
         "Answer: The final answer is $[2,5)$. I hope it is correct."),
        "[2,5)",
    ),
    (
        ("If $\\det \\mathbf{A} = 2$ and $\\det \\mathbf{B} = 12,$ then find $\\det (\\mathbf{A} "
         "\\mathbf{B}).$"),
        ("We have that $\\det (\\mathbf{A} \\mathbf{B}) = (\\det \\mathbf{A})(\\det \\mathbf{B}) = (2)(12) "
         "= \\boxed{24}.$\nFinal Answer: The final answer is $24$. I hope it is correct."),
        "24",
    ),
    (
        ("Terrell usually lifts two 20-pound weights 12 times. If he uses two 15-pound weights instead, how "
         "many times must Terrell lift them in order to lift the same total weight?"),
        ("If Terrell lifts two 20-pound weights 12 times, he lifts a total of $2\\cdot 12\\cdot20=480$ "
         "pounds of weight.  If he lifts two 15-pound weights instead for $n$ times, he will lift a total "
         "of $2\\cdot15\\cdot n=30n$ pounds of weight.  Equating this to 480 pounds, we can solve for "
         "$n$:\n\\begin{align*}\n30n&=480\\\\\n\\Rightarrow\\qquad "
         "n&=480/30=\\boxed{16}\n\\end{align*}\nFinal Answer: The final answer is $16$. I hope it is "
         "correct."),
        "16",
    ),
    (
        ("If the system of equations\n\n\\begin{align*}\n6x-4y&=a,\\\\\n6y-9x &=b.\n\\end{align*}has a "
         "solution $(x, y)$ where $x$ and $y$ are both nonzero,\nfind $\\frac{a}{b},$ assuming $b$ is "
         "nonzero."),
        ("If we multiply the first equation by $-\\frac{3}{2}$, we obtain\n\n$$6y-9x=-\\frac{3}{2}a.$$Since "
         "we also know that $6y-9x=b$, we "
         "have\n\n$$-\\frac{3}{2}a=b\\Rightarrow\\frac{a}{b}=\\boxed{-\\frac{2}{3}}.$$\nFinal Answer: The "
         "final answer is $-\\frac{2}{3}$. I hope it is correct."),
        "-\\frac{2}{3}",
    ),
)
