"""Chinese text for seeded tickets: names, subjects, messages, replies and notes, by kind.

Sentences are assembled from parts with a seeded random generator, so 100,000 tickets read
differently from one another while the vocabulary stays that of a city's open-government
office (the topics of the 2013 report, city services, information applications).
"""

from __future__ import annotations

import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅晓东海波宁健斌凤琴云飞鹏辉"
)
UYGHUR_NAMES = [
    "买买提·艾力",
    "阿依古丽·吐尔逊",
    "艾尔肯·买合木提",
    "古丽娜尔·阿不都",
    "热合曼·依明",
    "帕提古丽·肉孜",
    "吐尔洪·卡德尔",
    "迪丽拜尔·吾守尔",
]
ORGANISATIONS = [
    "新疆天山律师事务所",
    "乌鲁木齐市某房地产开发有限公司",
    "新疆大学公共管理学院课题组",
    "乌鲁木齐市环保志愿者协会",
    "新疆某科技有限公司",
    "乌鲁木齐市某社区居委会",
]
MAIL_DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "example.cn"]

PLACES = [
    "天山区",
    "沙依巴克区",
    "新市区",
    "水磨沟区",
    "头屯河区",
    "达坂城区",
    "米东区",
    "乌鲁木齐县",
    "高新区",
    "经开区",
]
STREETS = ["北京路", "河北路", "南湖路", "友好路", "西虹路", "钱塘江路", "田字路", "克拉玛依路"]
TOPICS = [
    ("煤改气", "居民煤改气补贴标准和申请流程"),
    ("垃圾分类", "垃圾分类试点小区名单和分类标准"),
    ("公交线路", "公交线路调整和停靠站点变更"),
    ("道路施工", "道路封闭施工期间的绕行方案"),
    ("保障性住房", "公共租赁住房的申请条件和轮候情况"),
    ("棚户区改造", "棚户区改造的补偿标准和安置方案"),
    ("供暖", "冬季供暖收费标准和停暖补偿"),
    ("大气污染", "大气污染防治措施和空气质量监测数据"),
    ("财政预算", "部门预算和三公经费公开情况"),
    ("行政审批", "行政审批事项目录和办理时限"),
    ("政府信息公开", "政府信息公开目录和公开指南"),
    ("依申请公开", "依申请公开的办理流程和收费标准"),
    ("就业补贴", "高校毕业生就业创业补贴政策"),
    ("医疗保险", "城乡居民医疗保险缴费和报销比例"),
    ("养老服务", "社区养老服务中心的建设规划"),
    ("学校招生", "义务教育阶段学校划片招生范围"),
    ("物业管理", "老旧小区物业管理和维修资金使用"),
    ("停车收费", "路边停车收费标准和收费时段"),
    ("拆迁补偿", "征收补偿的评估办法和公示结果"),
    ("食品安全", "食品安全抽检结果和不合格产品处理"),
]
KIND_OPENERS = {
    "question": [
        "请问{topic_long}在哪里可以查询？",
        "想咨询一下{topic_long}的具体规定。",
        "我家住在{place}{street}附近，想了解{topic_long}。",
        "报告中提到了{topic}，请问相关的办事指南在哪里公开？",
    ],
    "suggestion": [
        "建议在政府网站上集中公布{topic_long}。",
        "关于{topic}，建议按月更新相关信息，方便群众查询。",
        "希望{place}能把{topic_long}做成专题栏目。",
        "建议在{street}沿线增加{topic}相关的公示牌。",
    ],
    "complaint": [
        "我多次拨打热线反映{topic}的问题，至今没有答复。",
        "{place}{street}一带的{topic}问题长期得不到解决。",
        "网站上{topic_long}的链接打不开，信息也没有更新。",
        "对{topic}的处理结果不满意，希望重新办理。",
    ],
    "info_application": [
        "申请公开{year}年度{topic_long}的相关文件。",
        "请提供{place}{topic_long}的正式文件和附件。",
        "依据《政府信息公开条例》，申请公开{topic}的审批材料。",
        "申请获取{year}年{topic}专项资金的使用明细。",
    ],
    "other": [
        "关于{topic}有几点情况需要说明。",
        "转来群众来信一封，内容涉及{topic}。",
        "请协助转交{place}有关部门处理{topic}事宜。",
    ],
}
DETAILS = [
    "具体情况是这样的：{place}{street}一带最近{topic}的情况变化较大，周边居民意见较多。",
    "我查阅了政府信息公开年度报告，报告中只提到了{topic}，但没有给出具体的数据和文件名称。",
    "之前在政务服务大厅咨询过，工作人员让我通过网上渠道提交。",
    "如果信息已经主动公开，请告知具体的网址或者栏目名称。",
    "希望能在法定期限内答复，谢谢。",
    "我是{place}的居民，家里老人行动不便，希望能通过电子邮件答复。",
    "附件是我拍的现场照片，供参考。",
    "这个问题已经持续了{months}个月，影响了正常的生活和工作。",
    "去年{month}月份也反映过类似情况，当时答复说正在研究。",
    "请问办理进度可以在哪里查询？",
]
REPLIES = [
    "您好！关于您反映的{topic}问题，经{dept}核实，相关信息已在市政府门户网站“{topic}”专题栏目公开，"
    "您可以登录查阅。",
    "您好！您咨询的{topic_long}，根据现行规定，由{dept}负责办理，具体标准见附件说明。",
    "您好！您申请公开的信息属于主动公开范围，已在{dept}网站政府信息公开栏目发布，请查阅。",
    "您好！经研究，您提出的关于{topic}的建议很有价值，我们已转相关业务处室研究采纳。",
    "您好！针对{place}{street}的{topic}问题，{dept}已安排工作人员现场核查，并将在{days}个工作日内整改。",
    "您好！您申请的信息经检索，本机关未制作或获取，根据《条例》第三十六条予以告知。",
]
NOTES = [
    "已电话联系申请人，确认了申请内容的范围。",
    "请{dept}在三个工作日内提供书面材料。",
    "涉及第三方，需征求意见后再答复。",
    "与去年同类件合并参考处理。",
    "已核对报告原文，相关章节为第二部分。",
    "申请人补充了身份证明材料。",
]
TRANSFER_NOTES = [
    "属于贵单位职责范围，请签收办理。",
    "请按规定时限答复申请人。",
    "涉及{topic}，请核实后答复。",
    "来电反映较多，请优先处理。",
]
FOLLOW_UPS = [
    "谢谢答复，但是还有一个问题：{topic_long}的最新文件在哪里？",
    "网站上找不到你们说的栏目，能否直接发给我？",
    "答复收到了，请问后续还会更新吗？",
    "对答复内容有疑问，{topic}的数据和我了解的不一致。",
]


class Writer:
    """Seeded text maker: every call draws from the same random generator."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)  # noqa: S311  (text, not secrets)

    def _fill(self, template: str, topic: tuple[str, str], dept: str = "有关部门") -> str:
        r = self.random
        return template.format(
            topic=topic[0],
            topic_long=topic[1],
            place=r.choice(PLACES),
            street=r.choice(STREETS),
            year=r.choice((2023, 2024, 2025)),
            months=r.randint(2, 11),
            month=r.randint(1, 12),
            days=r.randint(3, 15),
            dept=dept,
        )

    def topic(self) -> tuple[str, str]:
        return self.random.choice(TOPICS)

    def person(self, kind: str) -> tuple[str, str]:
        """Return a name and an e-mail address."""
        r = self.random
        if kind == "info_application" and r.random() < 0.3:
            name = r.choice(ORGANISATIONS)
        elif r.random() < 0.12:
            name = r.choice(UYGHUR_NAMES)
        else:
            name = r.choice(SURNAMES) + "".join(r.choices(GIVEN, k=r.choice((1, 2))))
        local = f"{r.choice(('user', 'wlmq', 'xj', 'cn', 'mail'))}{r.randrange(10**7):07d}"
        return name, f"{local}@{r.choice(MAIL_DOMAINS)}"

    def subject(self, kind: str, topic: tuple[str, str]) -> str:
        text = self._fill(self.random.choice(KIND_OPENERS[kind]), topic)
        return text.rstrip("。？")[:80]

    def body(self, kind: str, topic: tuple[str, str]) -> str:
        r = self.random
        parts = [self._fill(r.choice(KIND_OPENERS[kind]), topic)]
        parts += [self._fill(t, topic) for t in r.sample(DETAILS, r.randint(1, 4))]
        return "".join(parts)

    def form_data(self, kind: str, hidden: dict[str, str]) -> dict[str, str]:
        """What a citizen posts to /ask for one enquiry of this kind (hidden fields included)."""
        topic = self.topic()
        name, email = self.person(kind)
        data = {
            **hidden,
            "kind": kind,
            "section": "",
            "subject": self.subject(kind, topic),
            "message": self.body(kind, topic),
            "name": name,
            "email": email,
            "phone": "",
            "website": "",
        }
        if kind == "info_application":
            data |= {
                "applicant_type": "citizen",
                "info_description": data["message"],
                "delivery_form": "email",
            }
        return data

    def reply(self, topic: tuple[str, str], dept: str) -> str:
        r = self.random
        text = self._fill(r.choice(REPLIES), topic, dept)
        return text + "\n\n如有疑问，请回复本邮件或拨打政务服务热线 12345。"

    def note(self, topic: tuple[str, str], dept: str) -> str:
        return self._fill(self.random.choice(NOTES), topic, dept)

    def transfer_note(self, topic: tuple[str, str]) -> str:
        return self._fill(self.random.choice(TRANSFER_NOTES), topic)

    def follow_up(self, topic: tuple[str, str]) -> str:
        return self._fill(self.random.choice(FOLLOW_UPS), topic)
