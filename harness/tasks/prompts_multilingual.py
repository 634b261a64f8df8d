"""Prompt builders for the multilingual suite (`PROMPTS` imports this module on first lookup).

Base models get the lm-eval task's few-shot text; chat models a zero-shot chain-of-thought
instruction. MGSM, CMMLU and C-Eval instruct in the task's own language with a native answer
phrase the graders know ("Antwort:", "答案："); Global-MMLU and Belebele (15 and 122 languages)
use the English instruction with the question in its own language, as simple-evals' MMMLU does,
because "Answer: X" is the one answer phrase the letter grader reads in every script.
"""

from __future__ import annotations

from harness.specs import TaskSpec
from harness.tasks.base import Doc, Prompt
from harness.tasks.prompts import (
    LETTERS,
    choice_cot,
    in_order,
    subject_shots,
    user,
)
from harness.tasks.registries import PROMPTS

# ---------------------------------------------------------------- MGSM

# Native headers of the MGSM exemplars (url-nlp mgsm/exemplars.py), as lm-eval's native CoT uses
# them. lm-eval writes ru "Пошаговоерешение:" and ja/zh answer headers with an ASCII colon; here
# every header is spelt as in the exemplars, so the test item reads like its 8 exemplars.
MGSM_HEADERS: dict[str, tuple[str, str]] = {
    "bn": ("প্রশ্ন:", "ধাপে ধাপে উত্তর:"),
    "de": ("Frage:", "Schritt-für-Schritt-Antwort:"),
    "en": ("Question:", "Step-by-Step Answer:"),
    "es": ("Pregunta:", "Respuesta paso a paso:"),
    "fr": ("Question :", "Réponse étape par étape :"),
    "ja": ("問題：", "ステップごとの答え："),
    "ru": ("Задача:", "Пошаговое решение:"),
    "sw": ("Swali:", "Jibu la Hatua kwa Hatua:"),
    "te": ("ప్రశ్న:", "దశలవారీగా సమాధానం:"),
    "th": ("โจทย์:", "คำตอบทีละขั้นตอน:"),
    "zh": ("问题：", "逐步解答："),
}

# Zero-shot chain of thought for chat models, in the task's language. The answer phrase of each
# ("Antwort: N", "答案：N") is one the number grader recognises.
MGSM_COT: dict[str, str] = {
    "bn": "নিচের গণিত সমস্যাটি ধাপে ধাপে সমাধান করুন। যুক্তি দেখানোর পর শেষ লাইনে \"উত্তর: N\" আকারে "
          "চূড়ান্ত উত্তর লিখুন, যেখানে N শুধুমাত্র একটি সংখ্যা।",
    "de": "Löse die folgende Mathematikaufgabe Schritt für Schritt. Schreibe nach deinen Überlegungen die "
          "endgültige Antwort in die letzte Zeile, in der Form \"Antwort: N\", wobei N nur eine Zahl ist.",
    "en": "Solve the following math problem step by step. After your reasoning, write the final answer "
          "on the last line in the form \"Answer: N\", where N is a number only.",
    "es": "Resuelve el siguiente problema de matemáticas paso a paso. Después de tu razonamiento, escribe "
          "la respuesta final en la última línea con el formato \"Respuesta: N\", donde N es solo un número.",
    "fr": "Résous le problème de mathématiques suivant étape par étape. Après ton raisonnement, écris la "
          "réponse finale sur la dernière ligne sous la forme « Réponse : N », où N est uniquement un nombre.",
    "ja": "次の算数の問題を段階的に解いてください。考え方を示した後、最後の行に「答え：N」の形式で最終的な"
          "答えを書いてください。N は数字だけにしてください。",
    "ru": "Реши следующую математическую задачу шаг за шагом. После рассуждений запиши окончательный "
          "ответ в последней строке в виде «Ответ: N», где N — только число.",
    "sw": "Tatua tatizo lifuatalo la hesabu hatua kwa hatua. Baada ya maelezo yako, andika jibu la mwisho "
          "kwenye mstari wa mwisho kwa muundo \"Jibu: N\", ambapo N ni namba tu.",
    "te": "కింది గణిత సమస్యను దశలవారీగా పరిష్కరించండి. మీ తర్కం తర్వాత, చివరి పంక్తిలో \"సమాధానం: N\" "
          "రూపంలో తుది సమాధానాన్ని రాయండి, ఇక్కడ N కేవలం ఒక సంఖ్య మాత్రమే.",
    "th": "จงแก้โจทย์คณิตศาสตร์ต่อไปนี้ทีละขั้นตอน หลังจากแสดงเหตุผลแล้ว ให้เขียนคำตอบสุดท้ายในบรรทัดสุดท้าย"
          "ในรูปแบบ \"คำตอบ: N\" โดยที่ N เป็นตัวเลขเท่านั้น",
    "zh": "请逐步解答下面的数学题。推理完成后，在最后一行以“答案：N”的形式给出最终答案，其中 N 只是一个数字。",
}


def headed(header: str, text: str) -> str:
    """`Frage: text`; no space after a full-width colon (`问题：text`), as the exemplars write it."""
    return f"{header}{'' if header.endswith('：') else ' '}{text}"


@PROMPTS.register("mgsm")
def mgsm_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval mgsm_native_cot_<lang>: the 8 native exemplars, "{Q} …\\n{A} …", until the Q header."""
    if task.language not in MGSM_HEADERS:
        raise KeyError(f"task '{task.id}': no MGSM prompt for language '{task.language}'")
    if chat:
        return Prompt(messages=user(f"{MGSM_COT[task.language]}\n\n{doc.question}"))
    q, a = MGSM_HEADERS[task.language]
    parts = [f"{headed(q, s.question)}\n{headed(a, s.solution)}\n\n" for s in in_order(shots)]
    parts.append(f"{headed(q, doc.question)}\n{a}")
    return Prompt(text="".join(parts), stop=(q, "</s>", "<|im_end|>"))


# ---------------------------------------------------------------- CMMLU, C-Eval (Chinese)

CHINESE_COT = (
    "请逐步思考，然后在最后一行以“答案：X”的格式给出最终答案，其中 X 是 {letters} 中的一个。\n\n{question}\n{options}"
)


def _zh_item(doc: Doc) -> str:
    options = "".join(f"{LETTERS[i]}. {c}\n" for i, c in enumerate(doc.choices))
    return f"{doc.question.strip()}\n{options}答案："


def _chinese_exam(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool, topic: str, ask: str) -> Prompt:
    """`topic`: "以下是关于X的单项选择题"; `ask`: lm-eval's request for the answer (base models only)."""
    if chat:
        options = "\n".join(f"{LETTERS[i]}. {c}" for i, c in enumerate(doc.choices))
        letters = "、".join(LETTERS[: len(doc.choices)])
        text = f"{topic}。" + CHINESE_COT.format(letters=letters, question=doc.question.strip(), options=options)
        return Prompt(messages=user(text))
    parts = [f"{topic}，{ask}\n\n"] + [f"{_zh_item(s)} {s.gold}\n\n" for s in subject_shots(task, doc, shots)]
    parts.append(_zh_item(doc))
    return Prompt(text="".join(parts), stop=("\n",))


@PROMPTS.register("cmmlu")
def cmmlu_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval cmmlu_<subject>: the subject's Chinese description, the 5 dev questions of that
    subject, "…\\n答案：". lm-eval scores " A".." D" by log-likelihood; here the letter is generated."""
    subject = CMMLU_SUBJECTS.get(doc.meta.get("subject", ""), "")
    return _chinese_exam(task, doc, shots, chat, f"以下是关于{subject}的单项选择题", "请直接给出正确答案的选项。")


@PROMPTS.register("ceval")
def ceval_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval ceval-valid_<subject>: as CMMLU, with C-Eval's description and its dev exemplars."""
    subject = CEVAL_SUBJECTS.get(doc.meta.get("subject", ""), "")
    return _chinese_exam(task, doc, shots, chat, f"以下是中国关于{subject}的单项选择题", "请选出其中的正确答案。")


# ---------------------------------------------------------------- Global-MMLU, Belebele


@PROMPTS.register("global_mmlu")
def global_mmlu_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval global_mmlu_<lang>: "{q}\\nA. …\\nD. …\\nAnswer:" with 5 dev exemplars (lm-eval:
    log-likelihood of " A".." D"; here the letter is generated)."""
    if chat:
        return choice_cot(doc)

    def item(d: Doc) -> str:
        options = "".join(f"{LETTERS[i]}. {c}\n" for i, c in enumerate(d.choices))
        return f"{d.question.strip()}\n{options}Answer:"

    parts = [f"{item(s)} {s.gold}\n\n" for s in shots] + [item(doc)]
    return Prompt(text="".join(parts), stop=("\n",))


@PROMPTS.register("belebele")
def belebele_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval belebele_<code>: "P: …\\nQ: …\\nA: …\\nD: …\\nAnswer:", 5 exemplars from the same
    language's items (the item itself excluded). lm-eval scores " A".." D" by log-likelihood; here
    the letter is generated, so base and chat models answer the same way."""
    if chat:
        return choice_cot(doc)

    def item(d: Doc) -> str:
        options = "".join(f"{LETTERS[i]}: {c}\n" for i, c in enumerate(d.choices))
        return f"P: {d.passage}\nQ: {d.question.strip()}\n{options}Answer:"

    parts = [f"{item(s)} {s.gold}\n\n" for s in shots] + [item(doc)]
    return Prompt(text="".join(parts), stop=("\n",))


# ---------------------------------------------------------------- XCOPA

# lm-eval xcopa/utils.py: the word joining premise and alternative, per relation.
XCOPA_CONNECTORS: dict[str, dict[str, str]] = {
    "et": {"cause": "sest", "effect": "seetõttu"},
    "ht": {"cause": "poukisa", "effect": "donk sa"},
    "id": {"cause": "karena", "effect": "maka"},
    "it": {"cause": "perché", "effect": "quindi"},
    "qu": {"cause": "imataq", "effect": "chaymi"},
    "sw": {"cause": "kwa sababu", "effect": "kwa hiyo"},
    "ta": {"cause": "காரணமாக", "effect": "எனவே"},
    "th": {"cause": "เพราะ", "effect": "ดังนั้น"},
    "tr": {"cause": "çünkü", "effect": "bu yüzden"},
    "vi": {"cause": "bởi vì", "effect": "vì vậy"},
    "zh": {"cause": "因为", "effect": "所以"},
}


@PROMPTS.register("xcopa")
def xcopa_prompt(task: TaskSpec, doc: Doc, shots: list[Doc], chat: bool) -> Prompt:
    """lm-eval xcopa_<lang>: premise without its final stop + " {connector}", then each
    alternative with a lower-cased first letter, scored by log-likelihood."""
    connector = XCOPA_CONNECTORS[task.language][doc.meta["relation"]]
    text = f"{doc.question.strip()[:-1]} {connector}"
    return Prompt(text=text, continuations=tuple(f" {c[:1].lower()}{c[1:]}" for c in doc.choices))


# ---------------------------------------------------------------- subject names (lm-eval's)

CMMLU_SUBJECTS: dict[str, str] = {
    "agronomy": "农学", "anatomy": "解剖学", "ancient_chinese": "古汉语", "arts": "艺术学", "astronomy": "天文学",
    "business_ethics": "商业伦理", "chinese_civil_service_exam": "中国公务员考试", "chinese_driving_rule": "中国驾驶规则",
    "chinese_food_culture": "中国饮食文化", "chinese_foreign_policy": "中国外交政策", "chinese_history": "中国历史",
    "chinese_literature": "中国文学", "chinese_teacher_qualification": "中国教师资格", "clinical_knowledge": "临床知识",
    "college_actuarial_science": "大学精算学", "college_education": "大学教育学",
    "college_engineering_hydrology": "大学工程水文学", "college_law": "大学法律", "college_mathematics": "大学数学",
    "college_medical_statistics": "大学医学统计", "college_medicine": "大学医学", "computer_science": "计算机科学",
    "computer_security": "计算机安全", "conceptual_physics": "概念物理学",
    "construction_project_management": "建设工程管理", "economics": "经济学", "education": "教育学",
    "electrical_engineering": "电气工程", "elementary_chinese": "小学语文", "elementary_commonsense": "小学常识",
    "elementary_information_and_technology": "小学信息技术", "elementary_mathematics": "初等数学", "ethnology": "民族学",
    "food_science": "食品科学", "genetics": "遗传学", "global_facts": "全球事实", "high_school_biology": "高中生物",
    "high_school_chemistry": "高中化学", "high_school_geography": "高中地理", "high_school_mathematics": "高中数学",
    "high_school_physics": "高中物理学", "high_school_politics": "高中政治", "human_sexuality": "人类性行为",
    "international_law": "国际法学", "journalism": "新闻学", "jurisprudence": "法理学",
    "legal_and_moral_basis": "法律与道德基础", "logical": "逻辑学", "machine_learning": "机器学习", "management": "管理学",
    "marketing": "市场营销", "marxist_theory": "马克思主义理论", "modern_chinese": "现代汉语", "nutrition": "营养学",
    "philosophy": "哲学", "professional_accounting": "专业会计", "professional_law": "专业法学",
    "professional_medicine": "专业医学", "professional_psychology": "专业心理学", "public_relations": "公共关系",
    "security_study": "安全研究", "sociology": "社会学", "sports_science": "体育学",
    "traditional_chinese_medicine": "中医中药", "virology": "病毒学", "world_history": "世界历史",
    "world_religions": "世界宗教",
}

CEVAL_SUBJECTS: dict[str, str] = {
    "computer_network": "计算机网络", "operating_system": "操作系统", "computer_architecture": "计算机组成",
    "college_programming": "大学编程", "college_physics": "大学物理", "college_chemistry": "大学化学",
    "advanced_mathematics": "高等数学", "probability_and_statistics": "概率统计", "discrete_mathematics": "离散数学",
    "electrical_engineer": "注册电气工程师", "metrology_engineer": "注册计量师", "high_school_mathematics": "高中数学",
    "high_school_physics": "高中物理", "high_school_chemistry": "高中化学", "high_school_biology": "高中生物",
    "middle_school_mathematics": "初中数学", "middle_school_biology": "初中生物", "middle_school_physics": "初中物理",
    "middle_school_chemistry": "初中化学", "veterinary_medicine": "兽医学", "college_economics": "大学经济学",
    "business_administration": "工商管理", "marxism": "马克思主义基本原理", "mao_zedong_thought": "毛泽东思想和中国特色社会主义理论体系概论",
    "education_science": "教育学", "teacher_qualification": "教师资格", "high_school_politics": "高中政治",
    "high_school_geography": "高中地理", "middle_school_politics": "初中政治", "middle_school_geography": "初中地理",
    "modern_chinese_history": "近代史纲要", "ideological_and_moral_cultivation": "思想道德修养与法律基础", "logic": "逻辑学",
    "law": "法学", "chinese_language_and_literature": "中国语言文学", "art_studies": "艺术学",
    "professional_tour_guide": "导游资格", "legal_professional": "法律职业资格", "high_school_chinese": "高中语文",
    "high_school_history": "高中历史", "middle_school_history": "初中历史", "civil_servant": "公务员",
    "sports_science": "体育学", "plant_protection": "植物保护", "basic_medicine": "基础医学",
    "clinical_medicine": "临床医学", "urban_and_rural_planner": "注册城乡规划师", "accountant": "注册会计师",
    "fire_engineer": "注册消防工程师", "environmental_impact_assessment_engineer": "环境影响评价工程师",
    "tax_accountant": "税务师", "physician": "医师资格",
}
