"""A small sample organisation and one console account per role: for `kiosk demo`, the
console tests and scripts/console_screenshots.py (never loaded by a production server)."""
from __future__ import annotations

import logging

from server.db import audit, org_io, users

log = logging.getLogger(__name__)

SHEET = """区划代码,区划名称,上级区划代码,大厅编号,大厅名称,部门,窗口号,窗口名称,工号,姓名,照片,星级
440000,广东省,,,,,,,,,,
440300,深圳市,440000,,,,,,,,,
440305,南山区,440300,H01,南山区政务服务中心,社保,1,社保综合受理,S001,张三,,5
440305,南山区,440300,H01,南山区政务服务中心,社保,1,社保综合受理,S002,李四,,4
440305,南山区,440300,H01,南山区政务服务中心,不动产,2,不动产登记,S001,张三,,5
440305,南山区,440300,H01,南山区政务服务中心,不动产,3,综合窗口,S003,王五,,3
440306,宝安区,440300,H02,宝安区政务服务中心,,1,企业开办,S101,赵六,,4
440306,宝安区,440300,H02,宝安区政务服务中心,,2,税务综合,S102,钱七,,2
"""

# username -> (display name, role, scope)
ACCOUNTS = {
    "admin": ("省管理员", "region_admin", "440000"),
    "nanshan": ("南山区管理员", "region_admin", "440305"),
    "sup1": ("张主任", "hall_supervisor", "H01"),
    "sup2": ("刘主任", "hall_supervisor", "H02"),
    "staff1": ("张三", "window_staff", "S001"),
    "audit1": ("审计员", "auditor", "440000"),
}


def seed(store, password: str, sheet: str = SHEET, accounts: dict | None = None) -> None:
    """Load the sample org and create the accounts (all with `password`), audited as
    "sample"; a second call changes nothing."""
    doc = org_io.parse_csv(sheet, org_io.load(store))
    with store.transaction() as tx:
        org_io.apply(tx, doc)
        audit.append(tx, "sample", "org.import", "org", doc.counts())
    for username, (name, role, scope) in (ACCOUNTS if accounts is None else accounts).items():
        if users.get(store, username) is None:
            with store.transaction() as tx:
                users.add(tx, username, name, password, role, scope)
                audit.append(tx, "sample", "user.add", f"user:{username}",
                             {"role": role, "scope": scope})
