"""Build data/stations.csv and data/cities.csv.

Stations: the LOCATION header line of each EPW file in data/weather/ (station lat/lon/elevation; the station id is
the six-digit WMO number in the file name, e.g. 583620).

Cities: well-known city-centre coordinates (municipal government area), as given by GeoNames / Wikipedia, rounded
to 0.01 deg (about 1 km); compiled by hand, accuracy about +-0.05 deg. The nearest of the 24 weather stations and
the great-circle distance to it (haversine, mean Earth radius 6371.0088 km) are computed here.

Run: python scripts/build_cities.py   (rewrites both files; deterministic)
"""
from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
EARTH_RADIUS_KM = 6371.0088
COORD_SOURCE = "city centre, GeoNames/Wikipedia, rounded to 0.01 deg"

PROVINCE_ZH = {
    "Anhui": "安徽", "Beijing": "北京", "Chongqing": "重庆", "Fujian": "福建", "Gansu": "甘肃",
    "Guangdong": "广东", "Guangxi": "广西", "Guizhou": "贵州", "Hainan": "海南", "Hebei": "河北",
    "Heilongjiang": "黑龙江", "Henan": "河南", "Hubei": "湖北", "Hunan": "湖南", "Inner Mongolia": "内蒙古",
    "Jiangsu": "江苏", "Jiangxi": "江西", "Jilin": "吉林", "Liaoning": "辽宁", "Ningxia": "宁夏",
    "Qinghai": "青海", "Shaanxi": "陕西", "Shandong": "山东", "Shanghai": "上海", "Shanxi": "山西",
    "Sichuan": "四川", "Tianjin": "天津", "Tibet": "西藏", "Xinjiang": "新疆", "Yunnan": "云南",
    "Zhejiang": "浙江",
}

# city_id, name_en, name_zh, province, lat_deg, lon_deg, aliases (";"-separated alternative spellings)
CITIES: list[tuple[str, str, str, str, float, float, str]] = [
    # --- the 24 weather-station cities ---
    ("hefei", "Hefei", "合肥", "Anhui", 31.82, 117.23, ""),
    ("beijing", "Beijing", "北京", "Beijing", 39.90, 116.41, "Peking"),
    ("chongqing", "Chongqing", "重庆", "Chongqing", 29.56, 106.55, ""),
    ("fuzhou", "Fuzhou", "福州", "Fujian", 26.07, 119.30, "Fuzhou (Fujian)"),
    ("lanzhou", "Lanzhou", "兰州", "Gansu", 36.06, 103.83, ""),
    ("guangzhou", "Guangzhou", "广州", "Guangdong", 23.13, 113.26, "Canton"),
    ("shenzhen", "Shenzhen", "深圳", "Guangdong", 22.54, 114.06, ""),
    ("harbin", "Harbin", "哈尔滨", "Heilongjiang", 45.80, 126.53, "Haerbin"),
    ("zhengzhou", "Zhengzhou", "郑州", "Henan", 34.75, 113.63, ""),
    ("wuhan", "Wuhan", "武汉", "Hubei", 30.59, 114.31, ""),
    ("changsha", "Changsha", "长沙", "Hunan", 28.23, 112.94, ""),
    ("nanjing", "Nanjing", "南京", "Jiangsu", 32.06, 118.80, "Nanking"),
    ("hohhot", "Hohhot", "呼和浩特", "Inner Mongolia", 40.84, 111.75, "Huhehaote"),
    ("yinchuan", "Yinchuan", "银川", "Ningxia", 38.49, 106.23, ""),
    ("golmud", "Golmud", "格尔木", "Qinghai", 36.40, 94.90, "Geermu"),
    ("xian", "Xi'an", "西安", "Shaanxi", 34.26, 108.94, "Xian"),
    ("jinan", "Jinan", "济南", "Shandong", 36.65, 117.12, ""),
    ("shanghai", "Shanghai", "上海", "Shanghai", 31.23, 121.47, ""),
    ("chengdu", "Chengdu", "成都", "Sichuan", 30.66, 104.07, ""),
    ("lhasa", "Lhasa", "拉萨", "Tibet", 29.65, 91.14, ""),
    ("kashgar", "Kashgar", "喀什", "Xinjiang", 39.47, 75.99, "Kashi"),
    ("urumqi", "Urumqi", "乌鲁木齐", "Xinjiang", 43.83, 87.62, "Wulumuqi"),
    ("kunming", "Kunming", "昆明", "Yunnan", 25.04, 102.71, ""),
    ("hangzhou", "Hangzhou", "杭州", "Zhejiang", 30.27, 120.16, ""),
    # --- major industrial cities ---
    ("suzhou", "Suzhou", "苏州", "Jiangsu", 31.30, 120.58, "Suzhou (Jiangsu)"),
    ("wuxi", "Wuxi", "无锡", "Jiangsu", 31.49, 120.31, ""),
    ("changzhou", "Changzhou", "常州", "Jiangsu", 31.81, 119.97, ""),
    ("nantong", "Nantong", "南通", "Jiangsu", 31.98, 120.89, ""),
    ("yangzhou", "Yangzhou", "扬州", "Jiangsu", 32.39, 119.41, ""),
    ("xuzhou", "Xuzhou", "徐州", "Jiangsu", 34.26, 117.18, ""),
    ("zhenjiang", "Zhenjiang", "镇江", "Jiangsu", 32.19, 119.42, ""),
    ("yancheng", "Yancheng", "盐城", "Jiangsu", 33.35, 120.16, ""),
    ("taizhou_js", "Taizhou (Jiangsu)", "泰州", "Jiangsu", 32.46, 119.92, ""),
    ("ningbo", "Ningbo", "宁波", "Zhejiang", 29.87, 121.55, ""),
    ("wenzhou", "Wenzhou", "温州", "Zhejiang", 28.00, 120.70, ""),
    ("shaoxing", "Shaoxing", "绍兴", "Zhejiang", 30.00, 120.58, ""),
    ("jiaxing", "Jiaxing", "嘉兴", "Zhejiang", 30.75, 120.76, ""),
    ("taizhou_zj", "Taizhou", "台州", "Zhejiang", 28.66, 121.42, "Taizhou (Zhejiang)"),
    ("jinhua", "Jinhua", "金华", "Zhejiang", 29.08, 119.65, "Yiwu area"),
    ("huzhou", "Huzhou", "湖州", "Zhejiang", 30.89, 120.09, ""),
    ("dongguan", "Dongguan", "东莞", "Guangdong", 23.02, 113.75, ""),
    ("foshan", "Foshan", "佛山", "Guangdong", 23.02, 113.12, ""),
    ("zhongshan", "Zhongshan", "中山", "Guangdong", 22.52, 113.39, ""),
    ("huizhou", "Huizhou", "惠州", "Guangdong", 23.11, 114.42, ""),
    ("jiangmen", "Jiangmen", "江门", "Guangdong", 22.58, 113.08, ""),
    ("zhuhai", "Zhuhai", "珠海", "Guangdong", 22.27, 113.58, ""),
    ("shantou", "Shantou", "汕头", "Guangdong", 23.35, 116.68, ""),
    ("qingdao", "Qingdao", "青岛", "Shandong", 36.07, 120.38, "Tsingtao"),
    ("yantai", "Yantai", "烟台", "Shandong", 37.46, 121.45, ""),
    ("weifang", "Weifang", "潍坊", "Shandong", 36.71, 119.16, ""),
    ("zibo", "Zibo", "淄博", "Shandong", 36.81, 118.05, ""),
    ("linyi", "Linyi", "临沂", "Shandong", 35.10, 118.36, ""),
    ("jining", "Jining", "济宁", "Shandong", 35.41, 116.59, ""),
    ("xiamen", "Xiamen", "厦门", "Fujian", 24.48, 118.09, "Amoy"),
    ("quanzhou", "Quanzhou", "泉州", "Fujian", 24.87, 118.68, ""),
    ("tianjin", "Tianjin", "天津", "Tianjin", 39.13, 117.20, "Tientsin"),
    ("shijiazhuang", "Shijiazhuang", "石家庄", "Hebei", 38.04, 114.51, ""),
    ("tangshan", "Tangshan", "唐山", "Hebei", 39.63, 118.18, ""),
    ("baoding", "Baoding", "保定", "Hebei", 38.87, 115.46, ""),
    ("handan", "Handan", "邯郸", "Hebei", 36.61, 114.54, ""),
    ("luoyang", "Luoyang", "洛阳", "Henan", 34.62, 112.45, ""),
    ("wuhu", "Wuhu", "芜湖", "Anhui", 31.35, 118.38, ""),
    ("dalian", "Dalian", "大连", "Liaoning", 38.91, 121.61, ""),
    ("shenyang", "Shenyang", "沈阳", "Liaoning", 41.81, 123.43, "Mukden"),
    ("changchun", "Changchun", "长春", "Jilin", 43.82, 125.32, ""),
    ("taiyuan", "Taiyuan", "太原", "Shanxi", 37.87, 112.55, ""),
    ("nanchang", "Nanchang", "南昌", "Jiangxi", 28.68, 115.86, ""),
    ("nanning", "Nanning", "南宁", "Guangxi", 22.82, 108.37, ""),
    ("liuzhou", "Liuzhou", "柳州", "Guangxi", 24.33, 109.41, ""),
    ("guiyang", "Guiyang", "贵阳", "Guizhou", 26.65, 106.63, ""),
    ("zhuzhou", "Zhuzhou", "株洲", "Hunan", 27.83, 113.13, ""),
    ("xiangyang", "Xiangyang", "襄阳", "Hubei", 32.01, 112.12, ""),
    ("yichang", "Yichang", "宜昌", "Hubei", 30.69, 111.29, ""),
    ("mianyang", "Mianyang", "绵阳", "Sichuan", 31.47, 104.68, ""),
    ("haikou", "Haikou", "海口", "Hainan", 20.04, 110.34, ""),
    ("xining", "Xining", "西宁", "Qinghai", 36.62, 101.78, ""),
    ("baotou", "Baotou", "包头", "Inner Mongolia", 40.66, 109.84, ""),
    ("ordos", "Ordos", "鄂尔多斯", "Inner Mongolia", 39.61, 109.78, "Eerduosi"),
    ("daqing", "Daqing", "大庆", "Heilongjiang", 46.59, 125.10, ""),
    ("baoji", "Baoji", "宝鸡", "Shaanxi", 34.36, 107.24, ""),
]


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (numpy broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def read_stations(weather_dir: Path) -> list[dict]:
    rows = []
    for f in sorted(weather_dir.glob("*.epw.gz")):
        with gzip.open(f, "rt", encoding="latin-1") as fh:
            head = fh.readline().strip().split(",")
        m = re.search(r"\.(\d{6})_", f.name)
        if head[0] != "LOCATION" or m is None:
            raise SystemExit(f"{f.name}: no LOCATION header or WMO number")
        if head[5] != m.group(1):
            raise SystemExit(f"{f.name}: header station {head[5]} != file name {m.group(1)}")
        rows.append({
            "station_id": m.group(1), "station_file": f.name, "station_name": head[1],
            "source_dataset": head[4], "lat_deg": float(head[6]), "lon_deg": float(head[7]),
            "tz_hours": float(head[8]), "elevation_m": float(head[9]),
            "source": "EPW LOCATION header line of data/weather/" + f.name,
        })
    return rows


def main() -> None:
    stations = read_stations(DATA / "weather")
    with open(DATA / "stations.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(stations[0]))
        w.writeheader()
        w.writerows(stations)
    s_lat = np.array([s["lat_deg"] for s in stations])
    s_lon = np.array([s["lon_deg"] for s in stations])
    ids = [c[0] for c in CITIES]
    assert len(set(ids)) == len(ids), "duplicate city_id"
    fields = ["city_id", "name_en", "name_zh", "province", "province_zh", "lat_deg", "lon_deg", "station_id",
              "station_file", "station_distance_km", "coord_source", "aliases"]
    with open(DATA / "cities.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(fields)
        for cid, en, zh, prov, lat, lon, aliases in CITIES:
            d = haversine_km(lat, lon, s_lat, s_lon)
            k = int(np.argmin(d))
            w.writerow([cid, en, zh, prov, PROVINCE_ZH[prov], f"{lat:.2f}", f"{lon:.2f}",
                        stations[k]["station_id"], stations[k]["station_file"], f"{d[k]:.1f}", COORD_SOURCE,
                        aliases])
    print(f"wrote {len(stations)} stations, {len(CITIES)} cities")


if __name__ == "__main__":
    main()
