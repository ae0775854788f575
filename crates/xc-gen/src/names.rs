//! Names, numbers and addresses that look right to a Shanghai reader: surnames weighted towards
//! the common ones of the Yangtze delta, given names whose characters follow the decade of
//! birth, mobile numbers with real carrier prefixes, landlines with the 021 area code, and
//! addresses on well-known roads of the right district (the house numbers are made up).

use rand_chacha::ChaCha8Rng;
use xc_domain::{Gender, PhoneNumber};

use crate::random::{WeightedTable, between, chance, pick};

/// Common surnames with rough weights (Shanghai's most frequent first).
#[rustfmt::skip]
const SURNAMES: [(&str, f64); 60] = [
    ("张", 7.0), ("王", 7.0), ("陈", 6.5), ("李", 5.5), ("徐", 5.0), ("朱", 4.5), ("沈", 4.0),
    ("周", 4.0), ("顾", 3.5), ("陆", 3.5), ("吴", 3.5), ("黄", 3.0), ("杨", 3.0), ("刘", 3.0),
    ("钱", 2.5), ("孙", 2.5), ("胡", 2.5), ("金", 2.3), ("姚", 2.0), ("蒋", 2.0), ("施", 2.0),
    ("唐", 2.0), ("许", 1.8), ("高", 1.8), ("郁", 1.2), ("何", 1.5), ("范", 1.5), ("戴", 1.4),
    ("曹", 1.4), ("潘", 1.4), ("汪", 1.3), ("马", 1.3), ("宋", 1.2), ("袁", 1.2), ("倪", 1.2),
    ("秦", 1.0), ("俞", 1.2), ("盛", 1.0), ("邵", 1.0), ("费", 0.8), ("夏", 1.0), ("丁", 1.0),
    ("郑", 1.0), ("杜", 0.8), ("林", 1.0), ("叶", 1.0), ("陶", 0.9), ("方", 0.9), ("龚", 0.9),
    ("程", 0.8), ("蔡", 1.0), ("赵", 1.2), ("严", 0.9), ("卢", 0.5), ("卫", 0.5), ("褚", 0.4),
    ("董", 0.5), ("韩", 0.7), ("吕", 0.6), ("欧阳", 0.2),
];

/// Given-name characters by gender and era of birth (before 1960, 1960–1984, from 1985).
#[rustfmt::skip]
const MALE_OLD: &[&str] = &[
    "建", "国", "华", "明", "德", "志", "福", "根", "荣", "忠", "林", "强", "平", "海", "兴", "发",
    "生", "文", "宝", "祥", "金", "良", "庆", "伟", "新", "龙", "胜", "坤", "昌", "洪",
];
#[rustfmt::skip]
const FEMALE_OLD: &[&str] = &[
    "秀", "英", "兰", "芳", "凤", "珍", "玉", "桂", "美", "琴", "妹", "娣", "萍", "红", "霞", "丽",
    "云", "素", "菊", "梅", "娟", "华", "芬", "宝", "月", "仙", "金", "彩", "雅", "敏",
];
#[rustfmt::skip]
const MALE_MID: &[&str] = &[
    "伟", "军", "勇", "斌", "杰", "涛", "明", "辉", "刚", "华", "峰", "磊", "强", "健", "俊", "波",
    "毅", "东", "晓", "志", "文", "超", "亮", "骏", "平", "炜", "敏", "颖", "君", "鸣",
];
#[rustfmt::skip]
const FEMALE_MID: &[&str] = &[
    "静", "敏", "丽", "燕", "艳", "娟", "红", "芳", "霞", "颖", "琳", "洁", "蓉", "萍", "慧", "婷",
    "雯", "瑾", "莉", "倩", "君", "晶", "青", "佳", "晓", "蕾", "虹", "玲", "文", "雪",
];
#[rustfmt::skip]
const MALE_YOUNG: &[&str] = &[
    "浩", "宇", "轩", "杰", "俊", "涛", "磊", "晨", "博", "子", "睿", "哲", "一", "诚", "鹏", "辰",
    "航", "文", "斌", "毅", "昊", "然", "泽", "天", "佳", "逸", "凯", "嘉", "宸", "翔",
];
#[rustfmt::skip]
const FEMALE_YOUNG: &[&str] = &[
    "婷", "静", "敏", "雯", "欣", "洁", "怡", "晶", "佳", "倩", "颖", "琳", "悦", "雪", "蕾", "梦",
    "诗", "思", "嘉", "瑶", "璐", "玥", "涵", "萱", "妍", "菲", "睿", "清", "语", "彤",
];

/// Mobile prefixes of the three carriers.
#[rustfmt::skip]
const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "173", "176", "177", "180", "181", "182", "183",
    "185", "186", "187", "188", "189", "191", "199",
];

/// Well-known roads of each district (Shanghai names its roads after provinces and cities), so
/// that a generated address reads as if it were in the right part of the city.
#[rustfmt::skip]
const DISTRICT_ROADS: [(&str, &[&str]); 16] = [
    ("310101", &[
        "南京东路", "福州路", "汉口路", "九江路", "淮海中路", "延安东路", "西藏南路", "河南南路",
        "四川中路", "江西中路", "复兴东路", "中华路", "人民路", "陆家浜路", "瑞金二路", "重庆南路",
        "制造局路", "蒙自路",
    ]),
    ("310104", &[
        "漕溪北路", "肇嘉浜路", "衡山路", "天钥桥路", "宜山路", "龙华中路", "虹漕路", "田林路",
        "斜土路", "零陵路", "钦州路", "桂林路", "华山路", "凯旋路",
    ]),
    ("310105", &[
        "延安西路", "长宁路", "天山路", "仙霞路", "虹桥路", "愚园路", "江苏路", "古北路",
        "中山西路", "定西路", "哈密路", "剑河路", "番禺路", "安顺路",
    ]),
    ("310106", &[
        "南京西路", "北京西路", "常德路", "威海路", "延平路", "共和新路", "大统路", "天目中路",
        "广中西路", "汶水路", "西藏北路", "临汾路", "江场路", "沪太路",
    ]),
    ("310107", &[
        "曹杨路", "兰溪路", "武宁路", "中山北路", "金沙江路", "真北路", "长寿路", "宜昌路",
        "铜川路", "梅岭北路", "同普路", "桃浦路", "大渡河路", "枣阳路",
    ]),
    ("310109", &[
        "四川北路", "多伦路", "溧阳路", "东江湾路", "曲阳路", "大连西路", "欧阳路", "海伦路",
        "天宝路", "水电路", "广灵四路", "凉城路", "嘉兴路", "长春路",
    ]),
    ("310110", &[
        "控江路", "长阳路", "平凉路", "国和路", "四平路", "国定路", "政立路", "殷行路", "延吉中路",
        "黄兴路", "民星路", "周家嘴路", "江浦路", "隆昌路",
    ]),
    ("310112", &[
        "沪闵路", "莘松路", "七莘路", "顾戴路", "虹梅路", "都市路", "春申路", "银都路", "莲花南路",
        "吴中路", "龙吴路", "江川路", "莘庄路", "万源路",
    ]),
    ("310113", &[
        "牡丹江路", "友谊路", "共和新路", "泰和路", "永清路", "长江西路", "淞宝路", "沪太路",
        "陆翔路", "殷高西路", "场中路", "宝杨路", "水产路", "团结路",
    ]),
    ("310114", &[
        "城中路", "塔城路", "博乐路", "清河路", "沪宜公路", "叶城路", "胜辛路", "曹安公路",
        "墨玉路", "平城路", "仓场路", "裕民南路", "嘉罗公路", "洪德路",
    ]),
    ("310115", &[
        "张杨路", "浦东大道", "东方路", "源深路", "锦绣路", "世纪大道", "川沙路", "金桥路",
        "杨高中路", "沪南公路", "高科西路", "祖冲之路", "张江路", "潍坊路", "崂山路", "周浦路",
        "惠南路", "新川路",
    ]),
    ("310116", &[
        "卫零路", "蒙山路", "卫清西路", "金山大道", "龙航路", "亭卫公路", "板桥西路", "石化大道",
        "朱泾路", "金张公路", "枫泾路", "亭林路",
    ]),
    ("310117", &[
        "人民北路", "荣乐中路", "中山中路", "谷阳北路", "松汇中路", "乐都路", "新松江路", "文诚路",
        "广富林路", "沪松公路", "九亭大街", "泗泾路", "思贤路", "玉树路",
    ]),
    ("310118", &[
        "城中北路", "公园路", "外青松公路", "盈港东路", "淀山湖大道", "崧泽大道", "漕盈路",
        "青松路", "华青路", "胜利路", "朱家角大道", "徐泾路",
    ]),
    ("310120", &[
        "南桥路", "解放东路", "环城东路", "百齐路", "南奉公路", "金海公路", "航南公路", "沪杭公路",
        "江海路", "育秀路", "古华路", "光明路",
    ]),
    ("310151", &[
        "八一路", "人民路", "东门路", "西门路", "南门路", "一江山路", "翠竹路", "北门路", "鼓浦路",
        "陈海公路", "长江大道", "城桥路",
    ]),
];
/// For a district missing from the table.
#[rustfmt::skip]
const ANY_ROADS: &[&str] = &[
    "人民路", "解放路", "中山路", "建设路", "新华路", "文化路", "和平路", "光明路", "胜利路",
    "朝阳路",
];

fn surname_table() -> &'static WeightedTable {
    static TABLE: std::sync::OnceLock<WeightedTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| WeightedTable::new(SURNAMES.iter().map(|(_, w)| *w)))
}

/// A Chinese name of two or three characters for a person of this gender born in this year.
pub(crate) fn person_name(rng: &mut ChaCha8Rng, gender: Gender, birth_year: i32) -> String {
    let surname = SURNAMES[surname_table().sample(rng)].0;
    let pool = match (gender, birth_year) {
        (Gender::Male, ..1960) => MALE_OLD,
        (Gender::Female, ..1960) => FEMALE_OLD,
        (Gender::Male, 1960..1985) => MALE_MID,
        (Gender::Female, 1960..1985) => FEMALE_MID,
        (Gender::Male, _) => MALE_YOUNG,
        (Gender::Female, _) => FEMALE_YOUNG,
    };
    // Single-character given names were common from the 1960s to the 1980s.
    let single = match birth_year {
        ..1960 => 0.2,
        1960..1985 => 0.45,
        _ => 0.3,
    };
    let mut name = String::with_capacity(12);
    name.push_str(surname);
    name.push_str(pick(rng, pool));
    if !chance(rng, single) {
        name.push_str(pick(rng, pool));
    }
    name
}

/// A valid mainland mobile number.
pub(crate) fn mobile_number(rng: &mut ChaCha8Rng) -> PhoneNumber {
    let text = format!(
        "{}{:08}",
        pick(rng, MOBILE_PREFIXES),
        between(rng, 0, 99_999_999)
    );
    PhoneNumber::parse(&text).expect("carrier prefix and eight digits make a valid mobile number")
}

/// A Shanghai landline: `021-` and eight digits.
pub(crate) fn landline(rng: &mut ChaCha8Rng) -> String {
    let first = pick(rng, &[3, 5, 6]);
    format!("021-{first}{:07}", between(rng, 0, 9_999_999))
}

/// A road of the district with this code.
pub(crate) fn road(rng: &mut ChaCha8Rng, district: &str) -> &'static str {
    let roads = DISTRICT_ROADS
        .iter()
        .find(|(code, _)| *code == district)
        .map_or(ANY_ROADS, |(_, roads)| *roads);
    pick(rng, roads)
}

/// The road a neighbourhood is named after, if its name is a road's ("云南中路居委会").
pub(crate) fn road_of_neighbourhood(name: &str) -> Option<&str> {
    let stem = name
        .trim_end_matches("居委会")
        .trim_end_matches("居民委员会");
    (stem != name && (stem.ends_with('路') || stem.ends_with('街'))).then_some(stem)
}

/// The short form of a neighbourhood's name as it appears in the names of places in it:
/// "云南中路居委会" → "云南中路", "侯南村委会" → "侯南村".
pub(crate) fn neighbourhood_short_name(name: &str) -> &str {
    if let Some(stem) = name.strip_suffix("村委会") {
        // Keep "村": the short form of a village committee is the village.
        return &name[..stem.len() + "村".len()];
    }
    let stem = name.strip_suffix("居委会").unwrap_or(name);
    stem.strip_suffix("社区").unwrap_or(stem)
}

/// The short form of a subdistrict's name: "外滩街道" → "外滩", "朱家角镇" → "朱家角".
pub(crate) fn subdistrict_short_name(name: &str) -> &str {
    if let Some(stem) = name.strip_suffix("街道") {
        return stem;
    }
    match name.strip_suffix('镇').or_else(|| name.strip_suffix('乡')) {
        // A one-character stem ("庙镇" → "庙") reads badly alone: keep the full name.
        Some(stem) if stem.chars().count() >= 2 => stem,
        _ => name,
    }
}

/// A house number, smaller on short residential roads than on avenues.
pub(crate) fn house_number(rng: &mut ChaCha8Rng) -> i64 {
    if chance(rng, 0.7) {
        between(rng, 1, 399)
    } else {
        between(rng, 400, 1_999)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{Stream, stream_rng};

    #[test]
    fn names_and_numbers_look_right() {
        let mut rng = stream_rng(1, Stream::Learners, 9);
        for year in [1940, 1970, 2000] {
            let name = person_name(&mut rng, Gender::Female, year);
            assert!((2..=4).contains(&name.chars().count()), "{name}");
        }
        assert_eq!(mobile_number(&mut rng).expose().len(), 11);
        let phone = landline(&mut rng);
        assert!(phone.starts_with("021-") && phone.len() == 12, "{phone}");
    }

    #[test]
    fn short_names_drop_the_administrative_suffix() {
        assert_eq!(neighbourhood_short_name("云南中路居委会"), "云南中路");
        assert_eq!(neighbourhood_short_name("侯南村委会"), "侯南村");
        assert_eq!(neighbourhood_short_name("新华社区居委会"), "新华");
        assert_eq!(road_of_neighbourhood("云南中路居委会"), Some("云南中路"));
        assert_eq!(road_of_neighbourhood("侯南村委会"), None);
        assert_eq!(subdistrict_short_name("外滩街道"), "外滩");
        assert_eq!(subdistrict_short_name("朱家角镇"), "朱家角");
        assert_eq!(subdistrict_short_name("张江高科技园区"), "张江高科技园区");
        assert_eq!(subdistrict_short_name("庙镇"), "庙镇");
    }
}
