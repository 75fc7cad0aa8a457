#!/usr/bin/env python3
"""Write the sample data for the three rule sets in rules/.

    python3 examples/generate.py            # writes examples/{retail,tobacco,bank}/

Plain Python, standard library only. Every domain draws from its own
random.Random(seed), so running this twice gives byte-identical files.
The data is made for an as-of date of 2026-06-30: events spread over about
three years before it, and a few weeks after it (a run must ignore those).
Some nullable cells are empty and a few events belong to no entity (orphans).

    retail/members.csv, orders.csv, messages.csv       rules/retail/membership.seg
    tobacco/retailers.csv, purchases.csv, stock_checks.csv   rules/tobacco/supply.seg
    bank/clients.csv, transactions.ndjson               rules/bank/tiers.seg

CSV files have a header row and LF line ends. In transactions.ndjson, dates
and datetimes are JSON strings, decimals are JSON strings such as "12.50" (kept
exact, never a binary float), booleans JSON booleans, and null cells JSON null.
"""
import csv
import datetime as dt
import json
import math
import os

from random import Random

AS_OF = dt.date(2026, 6, 30)
HERE = os.path.dirname(os.path.abspath(__file__))


# ---- helpers -------------------------------------------------------------------

def day(rnd, start, end):
    """A date in [start, end]."""
    return start + dt.timedelta(days=rnd.randrange((end - start).days + 1))


def moment(rnd, start, end, hours=(8, 22)):
    """A datetime on a day in [start, end], in business hours, whole seconds."""
    d = day(rnd, start, end)
    secs = rnd.randrange(hours[0] * 3600, hours[1] * 3600)
    return dt.datetime(d.year, d.month, d.day) + dt.timedelta(seconds=secs)


def recent_day(rnd, span_days, bias):
    """A date up to span_days before AS_OF; bias > 1 pulls it towards AS_OF."""
    return AS_OF - dt.timedelta(days=int(span_days * rnd.random() ** bias))


def money(x):
    return f"{x:.2f}"


def pick(rnd, weighted):
    """weighted: list of (value, weight)."""
    total = sum(w for _, w in weighted)
    r = rnd.uniform(0, total)
    for value, w in weighted:
        r -= w
        if r <= 0:
            return value
    return weighted[-1][0]


def write_csv(path, header, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow(["" if v is None else v for v in row])


def write_ndjson(path, header, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        for row in rows:
            f.write(json.dumps(dict(zip(header, row)), ensure_ascii=False,
                               separators=(",", ":")) + "\n")


def flag(b):
    return "true" if b else "false"


# ---- retail: members, orders, messages -------------------------------------------

CITIES = [("上海", 30), ("北京", 14), ("杭州", 12), ("苏州", 10), ("南京", 9), ("广州", 7),
          ("深圳", 6), ("成都", 6), ("宁波", 6)]
STORES = {"上海": ["静安寺店", "徐家汇店", "南京西路店", "五角场店"], "北京": ["国贸店", "西单店"],
          "杭州": ["西湖银泰店", "滨江店"], "苏州": ["观前街店"], "南京": ["新街口店"],
          "广州": ["天河城店"], "深圳": ["万象城店"], "成都": ["春熙路店"], "宁波": ["天一广场店"]}
CATEGORIES = [("茶叶", 18), ("茶叶礼盒", 6), ("咖啡", 12), ("零食", 16), ("水果", 12), ("乳品", 10),
              ("烘焙", 9), ("酒水", 6), ("日用", 7), ("冻品", 4)]
ORDER_CHANNELS = [("store", 45), ("app", 25), ("mini_program", 20), ("web", 10)]


def retail(rnd):
    members, orders, messages = [], [], []
    order_no = 0
    for i in range(1, 3001):
        mid = f"M{i:05d}"
        newcomer = rnd.random() < 0.04
        signup = day(rnd, AS_OF - dt.timedelta(days=28), AS_OF) if newcomer else \
            day(rnd, dt.date(2017, 1, 1), AS_OF - dt.timedelta(days=31))
        birthday = None if rnd.random() < 0.12 else day(rnd, dt.date(1950, 1, 1), dt.date(2006, 12, 31))
        city = None if rnd.random() < 0.08 else pick(rnd, CITIES)
        level = pick(rnd, [("normal", 55), ("silver", 25), ("gold", 14), ("diamond", 6)])
        young = birthday is not None and birthday.year >= 1980
        email, sms = rnd.random() < 0.55, rnd.random() < 0.6
        app = rnd.random() < (0.6 if young else 0.3)
        members.append([mid, signup.isoformat(), birthday and birthday.isoformat(), city, level,
                        flag(email), flag(sms), flag(app)])

        # Orders: some never buy; the rest buy at their own pace, and some stopped
        # buying a while ago (their last order lies further back).
        if newcomer:
            n = rnd.choice([0, 0, 1, 2])
        elif rnd.random() < 0.08:
            n = 0
        else:
            n = 1 + int(rnd.expovariate(1 / (3.0 + {"gold": 2, "diamond": 4}.get(level, 0))))
        first = max(signup, dt.date(2023, 7, 1))
        r = rnd.random()
        if newcomer or r < 0.5:                  # still buying, mostly lately
            stopped, bias = AS_OF + dt.timedelta(days=20), 3.0
        elif r < 0.8:                            # drifting away
            stopped, bias = AS_OF - dt.timedelta(days=rnd.randrange(60, 420)), 1.5
        else:                                    # gone
            stopped, bias = AS_OF - dt.timedelta(days=rnd.randrange(400, 900)), 1.0
        stopped = max(stopped, first)
        favourite = pick(rnd, CATEGORIES)
        returns = 0.35 if rnd.random() < 0.08 else 0.03
        home = rnd.choice(STORES[city]) if city else "静安寺店"
        big_spender = rnd.random() < 0.04 or level == "diamond"
        for j in range(n):
            order_no += 1
            back = int((stopped - first).days * rnd.random() ** bias)
            if j == 0 and bias == 3.0:           # an active buyer bought lately
                back = min(rnd.randrange(21, 130), (stopped - first).days)
            at = moment(rnd, stopped - dt.timedelta(days=back), stopped - dt.timedelta(days=back))
            channel = pick(rnd, ORDER_CHANNELS)
            store = (home if rnd.random() < 0.8 else rnd.choice(STORES["上海"])) if channel == "store" else None
            cat = favourite if rnd.random() < 0.45 else pick(rnd, CATEGORIES)
            amount = rnd.lognormvariate(4.3 + (1.2 if big_spender else 0), 0.7)
            orders.append([mid, f"O{order_no:06d}", at.isoformat(), store, cat, money(amount),
                           channel, flag(rnd.random() < returns)])

        # Messages sent around the as-of date by earlier campaigns.
        if rnd.random() < 0.7:
            opens = rnd.random() < 0.6
            for _ in range(rnd.randrange(1, 6)):
                at = moment(rnd, dt.date(2026, 4, 20), dt.date(2026, 7, 10))
                ch = "app_push" if app and rnd.random() < 0.5 else ("sms" if sms else "email")
                opened = None if ch == "sms" else flag(opens and rnd.random() < 0.5)
                messages.append([mid, at.isoformat(), ch, opened])

    for j in range(12):  # orphans: members deleted from the CRM
        order_no += 1
        orders.append([f"M9{j:04d}", f"O{order_no:06d}", "2026-03-01T12:00:00", None, "茶叶",
                       "58.00", "app", "false"])
    for j in range(4):
        messages.append([f"M9{j:04d}", "2026-06-15T10:00:00", "sms", None])

    orders.sort(key=lambda r: (r[2], r[1]))
    messages.sort(key=lambda r: (r[1], r[0]))
    out = os.path.join(HERE, "retail")
    write_csv(os.path.join(out, "members.csv"),
              ["member_id", "signup_date", "birthday", "city", "card_level", "email_opt_in",
               "sms_opt_in", "app_installed"], members)
    write_csv(os.path.join(out, "orders.csv"),
              ["member_id", "order_id", "ordered_at", "store", "category", "amount", "channel",
               "returned"], orders)
    write_csv(os.path.join(out, "messages.csv"),
              ["member_id", "sent_at", "channel", "opened"], messages)


# ---- tobacco: retailers, purchases, stock checks -----------------------------------

COUNTIES = [("520102", "南明区", "urban", 16), ("520103", "云岩区", "urban", 16),
            ("520111", "花溪区", "urban", 10), ("520112", "乌当区", "urban", 8),
            ("520113", "白云区", "urban", 7), ("520115", "观山湖区", "urban", 10),
            ("520121", "开阳县", "rural", 9), ("520122", "息烽县", "rural", 7),
            ("520123", "修文县", "rural", 8), ("520181", "清镇市", "rural", 9)]
BRANDS = [("贵烟(福)", "mid"), ("黄果树(长征)", "economy"), ("白沙(精品)", "economy"),
          ("云烟(紫)", "mid"), ("贵烟(跨越)", "high"), ("利群(新版)", "high"), ("玉溪(软)", "high"),
          ("芙蓉王(硬)", "high"), ("中华(硬)", "premium"), ("黄鹤楼(硬金砂)", "premium")]
TARGET = "贵烟(福)"


def tobacco(rnd):
    retailers, purchases, checks = [], [], []
    seq = {}
    for _ in range(2000):
        code, county, market, _w = pick(rnd, [(c, c[3]) for c in COUNTIES])
        seq[code] = seq.get(code, 0) + 1
        lic = f"{code}{seq[code]:06d}"
        fmt = pick(rnd, [("convenience", 30), ("supermarket", 12), ("tobacco_shop", 18),
                         ("grocery", 32), ("other", 8)])
        area = None if rnd.random() < 0.05 else pick(rnd, [("residential", 40), ("business", 20),
                                                             ("transport", 10), ("school", 12),
                                                             ("tourist", 8)])
        credit = pick(rnd, [("AAA", 10), ("AA", 25), ("A", 35), ("B", 20), ("C", 10)])
        opened = day(rnd, dt.date(2000, 1, 1), dt.date(2025, 12, 31))
        expires = day(rnd, AS_OF, AS_OF + dt.timedelta(days=60)) if rnd.random() < 0.04 else \
            day(rnd, dt.date(2026, 1, 1), dt.date(2031, 6, 30))
        compliant = rnd.random() < 0.94
        retailers.append([lic, county, market, fmt, area, credit, opened.isoformat(),
                          expires.isoformat(), flag(compliant)])

        # Purchases: a size per shop, a few orders per month lately, fewer before.
        size = rnd.lognormvariate(1.6 if market == "urban" else 1.2, 0.7)
        premium_taste = 0.45 if fmt in ("tobacco_shop", "supermarket") and rnd.random() < 0.5 else 0.12
        carries_target = rnd.random() < 0.4
        lapsed = rnd.random() < 0.12        # stopped ordering a while ago
        last_day = AS_OF - dt.timedelta(days=rnd.randrange(35, 400)) if lapsed else AS_OF + dt.timedelta(days=14)
        trend = rnd.uniform(0.6, 1.6)      # >1: orders more now than half a year ago
        n = 2 + int(rnd.expovariate(1 / 3.5))
        for j in range(n):
            if j == 0 and not lapsed:         # the regular order of the last weeks
                d = AS_OF - dt.timedelta(days=rnd.randrange(-10, 28))
            elif rnd.random() < 0.75:
                d = recent_day(rnd, 180, trend) + dt.timedelta(days=14)
            else:
                d = day(rnd, dt.date(2023, 7, 1), AS_OF - dt.timedelta(days=180))
            if d > last_day:
                d = last_day - dt.timedelta(days=rnd.randrange(0, 60))
            for _ in range(rnd.randrange(1, 3)):
                if carries_target and rnd.random() < 0.4:
                    brand, band = TARGET, "mid"
                elif rnd.random() < premium_taste:
                    brand, band = rnd.choice([b for b in BRANDS if b[1] in ("high", "premium")])
                else:
                    brand, band = rnd.choice(BRANDS[1:])
                cartons = max(1, int(size * rnd.uniform(0.5, 1.5)))
                purchases.append([lic, d.isoformat(), brand, band, cartons])

        # Stock checks by the field inspectors, mostly in the last half year.
        if rnd.random() < 0.7:
            for _ in range(rnd.randrange(1, 4)):
                at = moment(rnd, dt.date(2025, 11, 1), dt.date(2026, 7, 15), (9, 17))
                brand = TARGET if rnd.random() < 0.7 else rnd.choice(BRANDS[1:])[0]
                shelved = carries_target or brand != TARGET or rnd.random() < 0.1
                stock = 0 if shelved and rnd.random() < 0.25 else rnd.randrange(1, 20) if shelved else 0
                checks.append([lic, at.isoformat(), brand, flag(shelved),
                               None if rnd.random() < 0.1 else stock])

    for j in range(6):  # orphans: licences revoked and removed from the register
        purchases.append([f"520199{j:06d}", "2026-05-10", TARGET, "mid", 5])
    checks.append(["520199000001", "2026-05-12T10:00:00", TARGET, "true", 3])

    purchases.sort(key=lambda r: (r[1], r[0], r[2]))
    checks.sort(key=lambda r: (r[1], r[0], r[2]))
    retailers.sort(key=lambda r: r[0])
    out = os.path.join(HERE, "tobacco")
    write_csv(os.path.join(out, "retailers.csv"),
              ["licence_no", "county", "market_type", "retail_format", "trade_area",
               "credit_rating", "opened_on", "licence_expires", "compliant"], retailers)
    write_csv(os.path.join(out, "purchases.csv"),
              ["licence_no", "ordered_on", "brand", "price_band", "cartons"], purchases)
    write_csv(os.path.join(out, "stock_checks.csv"),
              ["licence_no", "checked_at", "brand", "on_shelf", "cartons_in_stock"], checks)


# ---- bank: clients, transactions (NDJSON) ------------------------------------------

BRANCHES = ["陆家嘴支行", "静安支行", "徐汇支行", "浦东支行", "黄浦支行", "虹桥支行"]
MERCHANTS = ["盒马鲜生", "星巴克", "美团外卖", "京东商城", "全家便利店", "中国石化", "携程旅行", None]


def bank(rnd):
    clients, txns = [], []

    def txn(cid, at, kind, amount, channel, merchant=None):
        txns.append([cid, at.isoformat(), kind, money(amount), channel, merchant])

    for i in range(1, 2501):
        cid = f"C{i:05d}"
        birth = day(rnd, dt.date(1946, 1, 1), dt.date(2006, 6, 30))
        age = (AS_OF - birth).days // 365
        opened = day(rnd, max(dt.date(1998, 1, 1), birth + dt.timedelta(days=18 * 366)), AS_OF)
        risk = None if rnd.random() < 0.2 else pick(rnd, [("conservative", 35), ("balanced", 35),
                                                            ("growth", 20), ("aggressive", 10)])
        aum = math.exp(rnd.gauss(10.3, 1.7))
        if rnd.random() < 0.012:
            aum = rnd.uniform(6_000_000, 20_000_000)
        digital = rnd.random() < (0.85 if age < 45 else 0.55 if age < 65 else 0.2)
        kyc = None if rnd.random() < 0.06 else day(rnd, dt.date(2022, 3, 1), dt.date(2026, 6, 1))
        clients.append([cid, birth.isoformat(), opened.isoformat(), rnd.choice(BRANCHES), risk,
                        money(aum), flag(rnd.random() < (0.35 if 28 <= age <= 55 else 0.05)),
                        flag(digital), flag(rnd.random() < 0.5), kyc and kyc.isoformat()])

        # A dormant client stopped a while ago; the rest are active up to and past as_of.
        r = rnd.random()
        if r < 0.05:
            continue                                    # never transacted
        if r < 0.17:
            last = AS_OF - dt.timedelta(days=rnd.randrange(300, 900))
        else:
            last = AS_OF + dt.timedelta(days=10)
        start = max(opened, dt.date(2023, 7, 1))
        last = max(last, start)
        ch = (lambda: "app" if digital and rnd.random() < 0.7 else rnd.choice(["branch", "atm"]))
        if 22 <= age <= 60 and rnd.random() < 0.3 and r >= 0.17:   # payroll: monthly salary
            pay = rnd.uniform(5000, 30000)
            for m in range(3, 8):
                txn(cid, dt.datetime(2026, m, 28, 8, 0), "salary", pay, "branch")
        if r >= 0.17:                                  # active: something in the last weeks
            txn(cid, moment(rnd, AS_OF - dt.timedelta(days=40), AS_OF + dt.timedelta(days=5), (0, 24)),
                "deposit" if rnd.random() < 0.6 else "withdrawal", rnd.uniform(100, 5000), ch())
        card_user = rnd.random() < (0.6 if digital else 0.25)
        heavy = rnd.random() < 0.15
        for _ in range(rnd.randrange(0, 3)):
            kind = pick(rnd, [("deposit", 30), ("withdrawal", 20), ("card", 30 if card_user else 0),
                              ("transfer_in", 8), ("transfer_out", 8), ("fund_buy", 4), ("fund_sell", 3)])
            at = moment(rnd, start, last, (0, 24))
            if at.date() < last - dt.timedelta(days=400) and rnd.random() < 0.5:
                at = moment(rnd, last - dt.timedelta(days=200), last, (0, 24))
            if kind == "card":
                amt = rnd.lognormvariate(6.2 if heavy else 5.0, 0.9)
                txn(cid, at, kind, amt, "pos" if rnd.random() < 0.8 else "app", rnd.choice(MERCHANTS))
            else:
                txn(cid, at, kind, min(aum * rnd.uniform(0.01, 0.2), 200000), ch())
        if aum > 40000 and r >= 0.17 and rnd.random() < 0.1:      # money leaving the bank
            txn(cid, moment(rnd, AS_OF - dt.timedelta(days=80), AS_OF, (9, 17)),
                "transfer_out", aum * rnd.uniform(0.35, 0.8), "branch" if rnd.random() < 0.5 else "app")

    for j in range(5):  # orphans: accounts closed and purged from the client table
        txns.append([f"C9{j:04d}", "2026-04-01T10:00:00", "card", "88.00", "pos", "星巴克"])

    txns.sort(key=lambda r: (r[1], r[0], r[2]))
    out = os.path.join(HERE, "bank")
    write_csv(os.path.join(out, "clients.csv"),
              ["client_id", "birth_date", "opened_on", "branch", "risk_profile", "aum",
               "has_mortgage", "digital_user", "phone_opt_in", "kyc_reviewed_on"], clients)
    write_ndjson(os.path.join(out, "transactions.ndjson"),
                 ["client_id", "booked_at", "kind", "amount", "channel", "merchant"], txns)


if __name__ == "__main__":
    retail(Random(20260630))
    tobacco(Random(520102))
    bank(Random(6222))
