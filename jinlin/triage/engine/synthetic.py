"""Made-up resident messages from templates, for tests and benchmarks.

Real messages may not be copied into the project, so speed and behaviour are shown on text
written here: a handful of everyday categories, each with its own phrasings, mixed with places,
times and the stock phrases every complaint shares (which is what makes the task not trivial).
"""

import random
from dataclasses import dataclass

CATEGORIES: dict[str, list[str]] = {
    "路灯": [
        "{place}门口的路灯坏了{days}天了，晚上一片漆黑",
        "{place}附近好几盏路灯不亮，老人晚上出门很不安全",
        "{place}的路灯白天亮着晚上反而熄灭，浪费电",
        "{place}旁边的路灯杆被车撞歪了，灯也不亮了",
        "{place}小路没有照明，晚上回家只能打手电",
    ],
    "噪音": [
        "{place}楼下的烧烤店每天营业到凌晨，噪音很大无法入睡",
        "{place}附近工地{time}还在施工，机器轰鸣扰民",
        "{place}广场舞音响声音太大，从傍晚一直跳到很晚",
        "{place}楼上住户装修电钻声从早响到晚，周末也不停",
        "{place}商铺门口大喇叭循环播放促销广告，吵得人心烦",
    ],
    "垃圾": [
        "{place}的垃圾桶已经满了{days}天没人清运，臭气熏天",
        "{place}旁边有人乱倒建筑垃圾，堆成了小山",
        "{place}垃圾分类点的厨余垃圾桶破损，污水流了一地",
        "{place}绿化带里扔满了塑料袋和饭盒，没人打扫",
        "{place}的垃圾清运车{time}来收垃圾，又脏又吵",
    ],
    "物业": [
        "{place}物业收了物业费却不管事，电梯坏了{days}天没人修",
        "{place}的物业擅自提高停车管理费，也没有公示",
        "{place}物业保安经常不在岗，陌生人随便进出小区",
        "{place}的物业公司要退出，业主委员会也不作为",
        "{place}单元门禁坏了很久，物业一直推说没有经费",
    ],
    "供暖": [
        "{place}暖气不热，家里室温只有十几度，老人孩子冻得受不了",
        "{place}已经到了供暖时间还没有来暖气，打热力公司电话没人接",
        "{place}的暖气片漏水，找供热站维修一直没人来",
        "{place}交了取暖费但暖气时有时无，晚上特别冷",
        "{place}供热管网改造拖了{days}天，整栋楼都没有暖气",
    ],
    "停车": [
        "{place}门口的消防通道被私家车长期占用",
        "{place}周边车位太少，车辆乱停乱放堵住了路口",
        "{place}有僵尸车停了{days}天没人管，占着公共车位",
        "{place}的地下车库只租不卖，租金还年年上涨",
        "{place}人行道上停满了电动车和汽车，行人只能走机动车道",
    ],
    "供水": [
        "{place}停水{days}天了也没有任何通知，生活很不方便",
        "{place}自来水发黄有异味，烧开后还有沉淀",
        "{place}高层水压太低，{time}根本用不上水",
        "{place}的供水管道破裂，水漫到了马路上",
        "{place}水费突然比平时高了好几倍，怀疑水表有问题",
    ],
}

_DISTRICTS = ["东城", "西湖", "南山", "北塘", "青石", "白沙", "金桥", "银河", "枫林", "梧桐"]
_ROADS = ["和平路", "建设街", "解放大道", "人民路", "新华巷", "光明路", "友谊街", "长安路", "文化路", "胜利街"]
_ESTATES = ["幸福", "阳光", "锦绣", "翠苑", "华庭", "康乐", "嘉园", "盛世", "馨苑", "怡景"]
_SUFFIXES = ["小区", "花园", "家园", "新村", "公寓"]
_TIMES = ["半夜", "凌晨三点", "中午", "早上六点", "晚上十一点"]
_OPENINGS = ["您好，", "尊敬的领导：", "你好！", "领导您好，", "", "我是附近居民，"]
_SHARED = [
    "已经反映过多次了，一直没有解决。",
    "给周边居民的生活带来很大不便。",
    "希望有关部门尽快处理。",
    "请相关部门重视这个问题。",
    "打了热线电话也没有回复。",
    "恳请领导过问一下。",
    "谢谢！",
    "盼复。",
]


@dataclass
class Message:
    title: str
    text: str
    label: str
    place: str


def place_name(rng: random.Random) -> str:
    return (
        f"{rng.choice(_DISTRICTS)}区{rng.choice(_ROADS)}"
        f"{rng.choice(_ESTATES)}{rng.choice(_SUFFIXES)}{rng.randint(1, 30)}号楼"
    )


def message(rng: random.Random, label: str, place: str | None = None) -> Message:
    place = place or place_name(rng)
    fill = {"place": place, "days": rng.randint(2, 20), "time": rng.choice(_TIMES)}
    problems = rng.sample(CATEGORIES[label], k=2)
    body = rng.choice(_OPENINGS) + "。".join(p.format(**fill) for p in problems) + "。"
    body += "".join(rng.sample(_SHARED, k=rng.randint(1, 3)))
    title = problems[0].format(**fill).split("，")[0][:30]
    return Message(title=title, text=body, label=label, place=place)


def corpus(n: int, seed: int = 0, labels: list[str] | None = None, noise: float = 0.0) -> list[Message]:
    """n messages over the given categories (all by default), a share `noise` of them labelled
    with a wrong category, as happens in real dispatch history."""
    rng = random.Random(seed)
    labels = labels or list(CATEGORIES)
    out = []
    for _ in range(n):
        msg = message(rng, rng.choice(labels))
        if noise and rng.random() < noise:
            msg.label = rng.choice([label for label in labels if label != msg.label])
        out.append(msg)
    return out
