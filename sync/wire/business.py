"""The business system's "请评价" (issue 29 item 1), as the server and the kiosk both see it.

A business system (办件系统) posts a finished 办件 to BUSINESS_CASES_PATH; the kiosk at that
hall and window holds PROMPTS_PATH open (a long poll) and gets it as a prompt. The 办件编号
(case_no) is the real 办件统一编号 the province keys ratings on: letters and digits only,
1..64 (no '/', no '-': the platforms' `an` type), so it is also a valid case id on the rating
wire (sync/wire/models.py Ident) and in a case key (sync/wire/cases.py: a case id has no '/').
"""
from __future__ import annotations

import re

from sync.wire import API_PREFIX

BUSINESS_CASES_PATH = f"{API_PREFIX}/business/cases"
PROMPTS_PATH = f"{API_PREFIX}/device/prompts"
CASE_NO = re.compile(r"[A-Za-z0-9]{1,64}\Z")
ITEM_CODE = re.compile(r"[A-Za-z0-9._-]{1,64}\Z")  # 事项编码: the rating wire's Ident
APPLICANT_TYPES = ("person", "legal")  # 个人 / 法人 (userProp)
TRIGGERS = ("queue", "business", "both")  # [rating] trigger: what opens the rating screen
MAX_WAIT_S = 30  # the longest long poll the server holds


def business_ticket(case_no: str) -> str:
    """The ticket a 办件 is rated under when no queue ticket is being served: 'B' and the
    last 15 characters of its 办件编号, upper case (the wire's ticket is [A-Z0-9-]{1,16})."""
    return "B" + case_no[-15:].upper()
