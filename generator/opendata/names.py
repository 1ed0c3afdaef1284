"""Names of a release (its files, its title and licence) that the build writes and the downloads
page shows. A module of its own, importing nothing: the pages (generator.publish) must not import
the release build, which imports them."""

SQLITE_NAME = "sunlight.sqlite.gz"
COMPLETE = "sunlight-all.zip"

TITLE = "淄博市市场监管领域部门联合“双随机、一公开”监管公开数据"
LICENSE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
           "title": "知识共享署名 4.0 国际许可协议（使用时请注明来源）"}
