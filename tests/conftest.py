"""Shared fixtures. Every report text here is written by us for the tests."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# A small 2019-template report, one cell per line like many web pages.
REPORT_2019 = """某某县文化和旅游局
2020年政府信息公开工作年度报告
根据《中华人民共和国政府信息公开条例》第五十条规定，编制本报告。
一、总体情况
2020年，某某县文化和旅游局认真落实政务公开各项要求，围绕“文旅惠民”和“12345接诉即办”开展工作，全年主动公开政府信息312条，受理政府信息公开申请3件，全部按期答复。
（一）强化组织保障。
成立由局长任组长的政务公开工作领导小组，明确专人负责信息发布审核，全年未发生泄密事件。
二、主动公开政府信息情况
第二十条第（一）项
信息内容
本年新制作数量
本年新公开数量
对外公开总数量
规章
0
0
0
规范性文件
2
2
9
第二十条第（九）项
信息内容
采购项目数量
采购总金额
政府集中采购
3
56.5
三、收到和处理政府信息公开申请情况
一、本年新收政府信息公开申请数量
2 0 0 1 0 0 3
二、上年结转政府信息公开申请数量
0 0 0 0 0 0 0
（一）予以公开
1 0 0 1 0 0 2
（二）部分公开
0 0 0 0 0 0 0
1.属于国家秘密
0 0 0 0 0 0 0
2.其他法律行政法规禁止公开
0 0 0 0 0 0 0
3.危及“三安全一稳定”
0 0 0 0 0 0 0
4.保护第三方合法权益
0 0 0 0 0 0 0
5.属于三类内部事务信息
0 0 0 0 0 0 0
6.属于四类过程性信息
0 0 0 0 0 0 0
7.属于行政执法案卷
0 0 0 0 0 0 0
8.属于行政查询事项
0 0 0 0 0 0 0
1.本机关不掌握相关政府信息
1 0 0 0 0 0 1
2.没有现成信息需要另行制作
0 0 0 0 0 0 0
3.补正后申请内容仍不明确
0 0 0 0 0 0 0
1.信访举报投诉类申请
0 0 0 0 0 0 0
2.重复申请
0 0 0 0 0 0 0
3.要求提供公开出版物
0 0 0 0 0 0 0
4.无正当理由大量反复申请
0 0 0 0 0 0 0
5.要求行政机关确认或重新出具已获取信息
0 0 0 0 0 0 0
（六）其他处理
0 0 0 0 0 0 0
（七）总计
2 0 0 1 0 0 3
四、结转下年度继续办理
0 0 0 0 0 0 0
四、政府信息公开行政复议、行政诉讼情况
0 0 0 0 0 1 0 0 0 1 0 0 0 0 0
五、存在的主要问题及改进情况
（一）主要问题
我局政务公开工作取得一定成效，但仍存在不足。一是政策解读形式较为单一；二是基层工作人员业务能力有待提高。
（二）改进情况
一是丰富政策解读形式，推出图解和短视频解读。
二是加强业务培训，每季度组织一次专题学习。
六、其他需要报告的事项
本年度未收取信息处理费。
"""

NOT_A_REPORT = """关于做好春节期间安全生产工作的通知
各乡镇人民政府，县直各单位：
春节将至，为切实做好节日期间安全生产工作，现将有关事项通知如下：请各单位落实值班制度，加强隐患排查。
"""


@pytest.fixture
def report_2019_text() -> str:
    return REPORT_2019


@pytest.fixture
def report_2019_bytes() -> bytes:
    return REPORT_2019.encode("utf-8")


@pytest.fixture
def not_a_report_bytes() -> bytes:
    return NOT_A_REPORT.encode("utf-8")


@pytest.fixture(scope="session")
def classifier():
    from extraction.classify import active_classifier

    return active_classifier()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def examples_dir() -> Path:
    return REPO / "examples"


def service_required(name: str):
    """Skip locally when a service is down; with CI=true a missing service fails the run."""
    if os.environ.get("CI") == "true":
        return
    pytest.skip(f"{name} is not running on 127.0.0.1 (set CI=true to make this a failure)")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    import psycopg

    base = os.environ.get("GOVDIGEST_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
            conn.execute("DROP DATABASE IF EXISTS govdigest_test WITH (FORCE)")
            conn.execute("CREATE DATABASE govdigest_test")
    except psycopg.OperationalError as exc:
        service_required("PostgreSQL")
        raise AssertionError(f"PostgreSQL unreachable: {exc}") from exc
    return base.rsplit("/", 1)[0] + "/govdigest_test"


@pytest.fixture
def new_postgres_database(postgres_url):
    """Makes empty PostgreSQL databases of this test's own (its URL per call), all dropped afterwards."""
    import uuid

    import psycopg

    base = os.environ.get("GOVDIGEST_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    made: list[str] = []

    def make() -> str:
        name = f"govdigest_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return base.rsplit("/", 1)[0] + "/" + name

    yield make
    from store.db import engine

    for name in made:
        engine(base.rsplit("/", 1)[0] + "/" + name).dispose()  # the pool the test used: closed before the drop
        with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_postgres_url(new_postgres_database):
    """An empty PostgreSQL database of this test's own, dropped afterwards: for tests that need the
    schema unmigrated, or rows no other test (or another checkout's run on the server) touches."""
    return new_postgres_database()


@pytest.fixture
def cli_env(tmp_path) -> dict:
    env = dict(os.environ)
    env["GOVDIGEST_HOME"] = str(tmp_path / "home")
    env.pop("GOVDIGEST_DATABASE_URL", None)
    return env


@pytest.fixture(scope="session")
def govdigest_bin() -> str:
    exe = shutil.which("govdigest") or str(REPO / ".venv" / "bin" / "govdigest")
    return exe
