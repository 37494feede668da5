"""The default checklist of each patrol type (双巡三查), used until community staff set their own."""

from django.utils.translation import gettext_noop as N_

from .models import PatrolType

DEFAULT_ITEMS: dict[str, list[str]] = {
    PatrolType.SAFETY: [
        N_("消防通道畅通"),
        N_("电动车不进楼充电"),
        N_("燃气管线无泄漏"),
        N_("高空坠物隐患"),
        N_("井盖完好"),
    ],
    PatrolType.SANITATION: [N_("垃圾按时清运"), N_("无乱堆乱放"), N_("无违规张贴"), N_("公厕干净"), N_("绿化无破坏")],
    PatrolType.POPULATION: [N_("新搬入住户已登记"), N_("搬离住户已核销"), N_("出租房登记"), N_("流动人口登记")],
    PatrolType.KEY_GROUPS: [N_("独居老人已探访"), N_("困境儿童情况"), N_("残疾人需求"), N_("重点关注人员动态")],
    PatrolType.EMERGENCY: [N_("积水内涝"), N_("道路塌陷"), N_("火情烟雾"), N_("群体聚集")],
}
MAX_ITEMS = 20
MAX_ITEM_LENGTH = 80
