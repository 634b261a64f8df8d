"""Prompt builders: base models get few-shot text, chat models zero-shot chain of thought.

A builder takes (task, doc, shots, chat) and returns a Prompt. Builders are registered by name;
a TaskSpec picks one with `prompt:` or gets the default for its answer type.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.specs import TaskSpec
from harness.tasks.base import Doc, Prompt

Builder = Callable[[TaskSpec, Doc, list[Doc], bool], Prompt]
_BUILDERS: dict[str, Builder] = {}
LETTERS = "ABCDEFGHIJ"


def register_prompt(name: str) -> Callable[[Builder], Builder]:
    def deco(fn: Builder) -> Builder:
        _BUILDERS[name] = fn
        return fn

    return deco


def builder_for(task: TaskSpec) -> Builder:
    from harness.tasks import prompts_multilingual  # noqa: F401  (registers more builders)

    name = task.prompt or task.answer_type
    if name not in _BUILDERS:
        raise KeyError(f"task '{task.id}': unknown prompt builder '{name}' (known: {sorted(_BUILDERS)})")
    return _BUILDERS[name]


def build_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    return builder_for(task)(task, doc, shots, chat)


def user(text: str) -> tuple[dict[str, str], ...]:
    return ({"role": "user", "content": text},)


# ---------------------------------------------------------------- numeric answers (GSM8K)

NUMBER_COT = (
    "Solve the following math problem step by step. The last line of your response should be "
    "of the form \"The answer is N\" where N is the final number.\n\n{question}"
)


@register_prompt("number")
def number_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    if chat:
        return Prompt(messages=user(NUMBER_COT.format(question=doc.question)))
    parts = [f"Question: {s.question}\nAnswer: {s.solution} The answer is {s.gold}.\n\n" for s in shots]
    parts.append(f"Question: {doc.question}\nAnswer:")
    return Prompt(text="".join(parts), stop=("Question:", "</s>", "<|im_end|>", "\n\n\n"))


# ---------------------------------------------------------------- math (MATH-500, AIME)

MATH_COT = "{question}\nPlease reason step by step, and put your final answer within \\boxed{{}}."


@register_prompt("math")
def math_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    if chat:
        return Prompt(messages=user(MATH_COT.format(question=doc.question)))
    parts = [
        f"Problem: {s.question}\nSolution: {s.solution}\nFinal Answer: $\\boxed{{{s.gold}}}$\n\n"
        for s in shots
    ]
    parts.append(f"Problem: {doc.question}\nSolution:")
    return Prompt(text="".join(parts), stop=("Problem:", "\n\n\n"))


# ---------------------------------------------------------------- generative multiple choice

CHOICE_COT = (
    "Answer the following multiple choice question. Think step by step, then give your final "
    "answer on the last line in the form \"Answer: X\" where X is one of {letters}.\n\n"
    "{question}\n\n{options}"
)


def options_block(doc: Doc) -> str:
    return "\n".join(f"{LETTERS[i]}. {c}" for i, c in enumerate(doc.choices))


def question_with_passage(doc: Doc) -> str:
    return f"{doc.passage}\n\n{doc.question}" if doc.passage else doc.question


@register_prompt("choice_letter")
def choice_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    letters = ", ".join(LETTERS[: len(doc.choices)])
    if chat:
        text = CHOICE_COT.format(
            letters=letters, question=question_with_passage(doc), options=options_block(doc)
        )
        return Prompt(messages=user(text))
    parts = [
        f"Question: {question_with_passage(s)}\n{options_block(s)}\nAnswer: {s.gold}\n\n" for s in shots
    ]
    parts.append(f"Question: {question_with_passage(doc)}\n{options_block(doc)}\nAnswer:")
    return Prompt(text="".join(parts), stop=("\n",))


# ---------------------------------------------------------------- log-likelihood multiple choice


@register_prompt("likelihood_choice")
def likelihood_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval's ARC format: score " {choice}" after "Question: ...\\nAnswer:"."""
    parts = [f"Question: {s.question}\nAnswer: {s.choices[LETTERS.index(s.gold)]}\n\n" for s in shots]
    parts.append(f"Question: {question_with_passage(doc)}\nAnswer:")
    return Prompt(text="".join(parts), continuations=tuple(f" {c}" for c in doc.choices))
