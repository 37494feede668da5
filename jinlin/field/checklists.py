"""The default checklist of each patrol type (双巡三查), used until community staff set their own.
The items are data, like category names: in Chinese, and edited by the community in Chinese."""

from .models import PatrolType

DEFAULT_ITEMS: dict[str, list[str]] = {
    PatrolType.SAFETY: [
        "消防通道畅通",
        "电动车不进楼充电",
        "燃气管线无泄漏",
        "高空坠物隐患",
        "井盖完好",
    ],
    PatrolType.SANITATION: ["垃圾按时清运", "无乱堆乱放", "无违规张贴", "公厕干净", "绿化无破坏"],
    PatrolType.POPULATION: ["新搬入住户已登记", "搬离住户已核销", "出租房登记", "流动人口登记"],
    PatrolType.KEY_GROUPS: ["独居老人已探访", "困境儿童情况", "残疾人需求", "重点关注人员动态"],
    PatrolType.EMERGENCY: ["积水内涝", "道路塌陷", "火情烟雾", "群体聚集"],
}
MAX_ITEMS = 20
MAX_ITEM_LENGTH = 80
