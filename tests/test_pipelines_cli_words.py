"""`python -m pipelines` says its usage errors and help in the chosen
language (i18n.cli), and a folder given to `load` is named a folder."""
from __future__ import annotations

import pytest

from pipelines.cli import main


@pytest.mark.parametrize("lang, args, words", [
    ("zh", ["undo", "abc"], "“abc”不是批次号"),
    ("en", ["undo", "abc"], "\"abc\" is not a batch number"),
    ("zh", ["frob"], "没有“frob”这个命令"),
    ("en", ["frob"], "There is no command \"frob\""),
    ("zh", [], "请写明要做什么"),
    ("en", ["load"], "Missing required argument FILE"),
    ("zh", ["load", "--kind", "bogus", "x.xlsx"],
     "参数 --kind 的取值“bogus”无效,可选:fees、households、temperature、tickets。"),
    ("en", ["batches", "--bogus"], "Unrecognised arguments: --bogus"),
])
def test_usage_errors_in_the_chosen_language(capsys, lang, args, words):
    assert main(["--lang", lang, *args]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert "invalid" not in err and "required:" not in err   # not argparse's English


def test_help_in_the_chosen_language(capsys):
    assert main(["load", "--help"]) == 0
    out = capsys.readouterr().out
    assert "要导入的文件" in out
    # argparse's own words too, not its English around the Chinese
    assert out.startswith("用法:") and "选项:" in out and "显示本帮助并退出" in out
    assert "usage:" not in out and "options:" not in out and "show this help" not in out
    assert main(["--lang", "en", "load", "--help"]) == 0
    out = capsys.readouterr().out
    assert "the files to load" in out
    assert out.startswith("usage: ") and "show this help message and exit" in out


def test_a_folder_given_to_load_is_named_a_folder(tmp_path, capsys):
    db = tmp_path / "wh.duckdb"
    folder = tmp_path / "exports"
    folder.mkdir()
    assert main(["load", str(folder), "--db", str(db)]) == 1
    out = capsys.readouterr().out
    assert "是一个文件夹,不是文件" in out and "找不到文件" not in out
    assert main(["--lang", "en", "load", str(tmp_path / "none.xlsx"), "--db", str(db)]) == 1
    assert "No such file" in capsys.readouterr().out


def test_a_header_broken_over_lines_keeps_each_reject_on_its_line(tmp_path, capsys):
    from made_files import xlsx
    path = xlsx(tmp_path / "测温.xlsx", ["户号", "测温\n时间", "室内温度", "用户\n签字"],
                [["01010110101", "明天", 18, "张三"], ["01010110102", "2025-11-28 09:10", 19, "李四"]])
    assert main(["load", str(path), "--db", str(tmp_path / "wh.duckdb")]) == 0
    lines = capsys.readouterr().out.splitlines()
    [reject] = [ln for ln in lines if "«明天»" in ln]
    assert reject.startswith("  Sheet1!2 测温 时间 «明天»: ")
    assert all(ln.startswith(("测温.xlsx", "  ")) for ln in lines), lines
