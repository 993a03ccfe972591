"""The content of the demo programmes: Đề án 06 and the National DX Committee's 2022 tasks.

Group names, the 25 essential services and unit names are real; the appendix's exact task titles are
not public, so the other titles say plainly what each task is.
"""

from datetime import date

from projects.demo_units import read_csv

DA06_GROUPS = [
    "Nhóm 1: Phục vụ giải quyết thủ tục hành chính và cung cấp dịch vụ công trực tuyến",
    "Nhóm 2: Phục vụ phát triển kinh tế – xã hội",
    "Nhóm 3: Phục vụ phát triển công dân số",
    "Nhóm 4: Hoàn thiện hệ sinh thái phục vụ kết nối, khai thác, bổ sung, làm giàu dữ liệu dân cư",
    "Nhóm 5: Phục vụ chỉ đạo, điều hành của lãnh đạo các cấp",
]

# (code, group index, title, deadline)
DA06_GOALS = [
    (
        "MT01",
        3,
        "Kết nối Cơ sở dữ liệu quốc gia về dân cư với các cơ sở dữ liệu quốc gia, chuyên ngành",
        date(2022, 12, 31),
    ),
    ("MT02", 0, "Ngành Công an cung cấp 100% dịch vụ công trực tuyến thuộc thẩm quyền", date(2022, 12, 31)),
    ("MT03", 3, "Mạng truyền số liệu chuyên dụng kết nối đến 100% cấp huyện, cấp xã", date(2022, 12, 31)),
    ("MT04", 2, "Cấp thẻ Căn cước công dân gắn chip cho toàn bộ công dân đủ điều kiện", date(2023, 6, 30)),
    (
        "MT05",
        0,
        "Đồng bộ trạng thái xử lý hồ sơ thủ tục hành chính lên Cổng Dịch vụ công quốc gia",
        date(2022, 12, 31),
    ),
    ("MT06", 0, "Tích hợp 25 dịch vụ công thiết yếu trên Cổng Dịch vụ công quốc gia", date(2022, 12, 31)),
    ("MT07", 0, "Cắt giảm giấy tờ công dân nhờ khai thác dữ liệu dân cư", date(2023, 12, 31)),
    (
        "MT08",
        1,
        "Sử dụng thẻ Căn cước công dân gắn chip thay thẻ bảo hiểm y tế khi khám, chữa bệnh",
        date(2022, 12, 31),
    ),
    ("MT09", 1, "Làm sạch dữ liệu thuê bao di động theo dữ liệu dân cư", date(2023, 6, 30)),
    ("MT10", 1, "Xác thực thông tin người nộp thuế thu nhập cá nhân qua dữ liệu dân cư", date(2022, 12, 31)),
    ("MT11", 1, "Chi trả an sinh xã hội không dùng tiền mặt qua tài khoản định danh", date(2023, 12, 31)),
    ("MT12", 1, "Xác thực khách hàng của ngân hàng bằng dữ liệu dân cư", date(2022, 12, 31)),
    ("MT13", 2, "Phát triển tài khoản định danh điện tử mức độ 2 cho công dân", date(2023, 12, 31)),
    ("MT14", 2, "Tích hợp giấy tờ cá nhân vào ứng dụng VNeID", date(2023, 12, 31)),
    ("MT15", 2, "Đưa ứng dụng VNeID vào vận hành chính thức", date(2022, 12, 31)),
    ("MT16", 2, "Hướng dẫn người dân sử dụng dịch vụ công trực tuyến và tiện ích số", date(2023, 12, 31)),
    ("MT17", 3, "Xây dựng Trung tâm dữ liệu quốc gia", date(2025, 12, 31)),
    (
        "MT18",
        3,
        "Kết nối, chia sẻ dữ liệu dân cư qua Nền tảng tích hợp, chia sẻ dữ liệu quốc gia (NDXP)",
        date(2022, 12, 31),
    ),
    ("MT19", 3, "Làm giàu dữ liệu dân cư từ các cơ sở dữ liệu chuyên ngành", date(2024, 12, 31)),
    ("MT20", 3, "Bảo đảm an ninh, an toàn hệ thống thông tin dữ liệu dân cư", None),
    ("MT21", 4, "Cung cấp dữ liệu dân cư phục vụ chỉ đạo, điều hành của Chính phủ", date(2022, 12, 31)),
    ("MT22", 4, "Hệ thống báo cáo tiến độ Đề án 06 trực tuyến, thống nhất", date(2022, 12, 31)),
    ("MT23", 4, "Bảng điều hành số liệu phục vụ lãnh đạo các cấp", date(2023, 6, 30)),
    ("MT24", 4, "Mô hình điểm ứng dụng dữ liệu dân cư tại địa phương", date(2022, 12, 31)),
]

# Which goals are achieved as of 25/12/2022, and how (see projects/demo.py).
GOALS_ACCEPTED_ACHIEVED = ["MT01", "MT05", "MT06", "MT08", "MT10", "MT12", "MT15", "MT18", "MT21"]
GOAL_AWAITING_REVIEW = "MT22"  # achieved by the reporter's word only: counts in the reported view
GOAL_RETURNED = "MT23"  # claimed achieved, returned by the reviewer: counts nowhere
GOAL_REOPENED = "MT24"  # accepted as achieved, then reassessed as not yet
# MT02 and MT03 are achieved by their indicators reaching target; MT04 is measured but short of it.

DA06_TASK_THEMES = {
    1: [
        ("Ứng dụng dữ liệu dân cư trong lĩnh vực ngân hàng", "NHNN"),
        ("Ứng dụng dữ liệu dân cư trong lĩnh vực bảo hiểm xã hội", "BHXHVN"),
        ("Ứng dụng dữ liệu dân cư trong quản lý thuế", "BTC"),
        ("Khám, chữa bệnh bằng thẻ Căn cước công dân gắn chip", "BYT"),
        ("Ứng dụng dữ liệu dân cư trong tuyển sinh, giáo dục", "BGDDT"),
        ("Ứng dụng dữ liệu dân cư trong lao động, việc làm", "BLDTBXH"),
        ("Ứng dụng dữ liệu dân cư trong quản lý đất đai", "BTNMT"),
        ("Ứng dụng dữ liệu dân cư trong quản lý phương tiện giao thông", "BGTVT"),
        ("Ứng dụng dữ liệu dân cư trong cung cấp điện", "EVN"),
        ("Làm sạch dữ liệu thuê bao di động", "BTTTT"),
        ("Ứng dụng dữ liệu dân cư trong đăng ký, quản lý hộ tịch", "BTP"),
        ("Chi trả an sinh xã hội qua tài khoản", "BLDTBXH"),
        ("Ứng dụng dữ liệu dân cư trong quản lý xuất nhập cảnh", "BCA"),
        ("Ứng dụng dữ liệu dân cư trong thủ tục hải quan", "BTC"),
        ("Ứng dụng dữ liệu dân cư trong đăng ký doanh nghiệp, hộ kinh doanh", "BKHDT"),
    ],
    2: [
        ("Đưa ứng dụng VNeID vào vận hành", "BCA"),
        ("Cấp tài khoản định danh điện tử mức độ 2", "BCA"),
        ("Tích hợp giấy phép lái xe vào VNeID", "BGTVT"),
        ("Tích hợp thẻ bảo hiểm y tế vào VNeID", "BHXHVN"),
        ("Tích hợp mã số thuế vào VNeID", "BTC"),
        ("Tích hợp thông tin tiêm chủng vào VNeID", "BYT"),
        ("Tích hợp văn bằng, chứng chỉ vào VNeID", "BGDDT"),
        ("Ví điện tử, thanh toán số gắn với định danh điện tử", "NHNN"),
        ("Ký số trên thiết bị di động cho công dân", "BTTTT"),
        ("Hướng dẫn người dân cài đặt, kích hoạt tài khoản định danh điện tử", "BCA"),
        ("Tuyên truyền về Đề án 06 trên báo chí, truyền thông", "BTTTT"),
        ("Phổ cập kỹ năng số cho người dân", "BTTTT"),
        ("Thí điểm sổ sức khỏe điện tử trên VNeID", "BYT"),
        ("Thí điểm lý lịch tư pháp trên VNeID", "BTP"),
        ("Đào tạo cán bộ hướng dẫn dịch vụ công trực tuyến", "BNV"),
    ],
    3: [
        ("Kết nối CSDLQG về dân cư với CSDL bảo hiểm", "BHXHVN"),
        ("Kết nối CSDLQG về dân cư với CSDL hộ tịch điện tử", "BTP"),
        ("Kết nối CSDLQG về dân cư với CSDL thuế", "BTC"),
        ("Kết nối CSDLQG về dân cư với hệ thống thông tin giải quyết TTHC cấp bộ", "VPCP"),
        ("Làm sạch, chuẩn hóa dữ liệu dân cư trên địa bàn", "BCA"),
        ("Bảo đảm kinh phí, hạ tầng triển khai Đề án 06 tại địa phương", "BCA"),
        ("Xác minh, làm sạch dữ liệu dân cư tại cấp xã", "BCA"),
        ("Triển khai mô hình điểm ứng dụng dữ liệu dân cư tại cấp huyện", "BCA"),
        ("Kết nối CSDLQG về dân cư với CSDL đất đai quốc gia", "BTNMT"),
        ("Kết nối CSDLQG về dân cư với CSDL người lao động", "BLDTBXH"),
        ("Kết nối CSDLQG về dân cư với CSDL giáo dục", "BGDDT"),
        ("Kết nối CSDLQG về dân cư với CSDL y tế", "BYT"),
        ("Kết nối CSDLQG về dân cư với hệ thống của doanh nghiệp viễn thông", "BTTTT"),
        ("Kết nối CSDLQG về dân cư với hệ thống của ngành điện", "EVN"),
        ("Kết nối CSDLQG về dân cư với CSDL đăng ký doanh nghiệp", "BKHDT"),
        ("Kết nối CSDLQG về dân cư với hệ thống ngân hàng", "NHNN"),
        ("Xây dựng Trung tâm dữ liệu quốc gia", "BCA"),
        ("Bảo đảm an ninh, an toàn hệ thống CSDLQG về dân cư", "BCA"),
        ("Kết nối Mạng truyền số liệu chuyên dụng đến cấp xã", "BTTTT"),
        ("Kết nối qua Nền tảng tích hợp, chia sẻ dữ liệu quốc gia (NDXP)", "BTTTT"),
    ],
    4: [
        ("Xây dựng hệ thống báo cáo tiến độ Đề án 06 trực tuyến", "BCA"),
        ("Bảng điều hành số liệu dân cư phục vụ Chính phủ", "VPCP"),
        ("Cung cấp số liệu dân cư cho Hệ thống thông tin báo cáo Chính phủ", "VPCP"),
        ("Thống kê dân số từ dữ liệu dân cư", "BKHDT"),
        ("Phân tích dữ liệu dân cư phục vụ hoạch định chính sách", "BKHDT"),
        ("Kiểm tra, đánh giá việc triển khai Đề án 06 tại các bộ, ngành", "VPCP"),
        ("Sơ kết một năm triển khai Đề án 06", "BCA"),
        ("Hoàn thiện quy định về định danh và xác thực điện tử", "BCA"),
        ("Hoàn thiện quy định về kết nối, chia sẻ dữ liệu", "BTTTT"),
        ("Hoàn thiện quy định về thanh toán không dùng tiền mặt", "NHNN"),
        ("Hoàn thiện quy định về hồ sơ điện tử, lưu trữ điện tử", "BNV"),
        ("Hướng dẫn giá trị pháp lý của bản sao điện tử", "BTP"),
        ("Bảo đảm kinh phí thực hiện Đề án 06", "BTC"),
        ("Chỉ đạo, đôn đốc triển khai Đề án 06 tại các địa phương", "BCA"),
    ],
}

# Tasks given to every province, to the sample communes, or to the sample districts.
PROVINCE_WIDE_SERVICES = {14, 15, 16, 17, 18}  # the commune-level essential services
PROVINCE_WIDE_THEMES = {
    "Làm sạch, chuẩn hóa dữ liệu dân cư trên địa bàn",
    "Bảo đảm kinh phí, hạ tầng triển khai Đề án 06 tại địa phương",
}
COMMUNE_THEMES = {"Xác minh, làm sạch dữ liệu dân cư tại cấp xã"}
DISTRICT_THEMES = {"Triển khai mô hình điểm ứng dụng dữ liệu dân cư tại cấp huyện"}

DEADLINES = [date(2022, 6, 30), date(2022, 9, 30), date(2022, 12, 31), date(2023, 6, 30), date(2023, 12, 31)]


def da06_tasks() -> list[dict]:
    """Return the 89 tasks of Đề án 06: the 25 essential services first, then each group's tasks."""
    tasks = []
    for row in read_csv("dvc_25.csv"):
        number = int(row["id"])
        tasks.append(
            {
                "title": f"Cung cấp dịch vụ công thiết yếu: {row['name_vi']}",
                "group": DA06_GROUPS[0],
                "lead": row["owner_2022_inferred"].split(";")[0],
                "coordinating": row["owner_2022_inferred"].split(";")[1:],
                "scope": "provinces" if number in PROVINCE_WIDE_SERVICES else "lead",
            }
        )
    for group_index, themes in DA06_TASK_THEMES.items():
        for title, lead in themes:
            scope = "lead"
            if title in PROVINCE_WIDE_THEMES:
                scope = "provinces"
            elif title in COMMUNE_THEMES:
                scope = "communes"
            elif title in DISTRICT_THEMES:
                scope = "districts"
            tasks.append(
                {
                    "title": title,
                    "group": DA06_GROUPS[group_index],
                    "lead": lead,
                    "coordinating": [],
                    "scope": scope,
                }
            )
    for number, task in enumerate(tasks, start=1):
        task["code"] = f"NV{number:02d}"
        # Roughly one task in nine is continuous (no deadline); the rest fall due through 2022 and 2023.
        task["deadline"] = None if number % 9 == 0 else DEADLINES[(number * 7) % len(DEADLINES)]
        goals_in_group = [g for g in DA06_GOALS if DA06_GROUPS[g[1]] == task["group"]]
        task["goal"] = goals_in_group[number % len(goals_in_group)][0]
    return tasks


CDS_CENTRAL_THEMES = [
    "Cung cấp dịch vụ công trực tuyến toàn trình",
    "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
    "Kết nối hệ thống thông tin với Nền tảng tích hợp, chia sẻ dữ liệu quốc gia",
    "Xây dựng, hoàn thiện cơ sở dữ liệu chuyên ngành",
]
CDS_LOCAL_THEMES = [
    "Ban hành kế hoạch chuyển đổi số năm 2022",
    "Cung cấp dịch vụ công trực tuyến toàn trình",
    "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
    "Kết nối Mạng truyền số liệu chuyên dụng đến cấp xã",
    "Triển khai tổ công nghệ số cộng đồng",
    "Xây dựng nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh",
    "Phát triển chính quyền số cấp tỉnh",
    "Bảo đảm an toàn thông tin theo cấp độ",
    "Phổ cập kỹ năng số cho cán bộ, công chức",
]


def cds2022_tasks(central_codes: list[str]) -> list[dict]:
    """Return the 107 tasks of 2022: 44 for central bodies, then 63 for every province."""
    tasks = []
    for index in range(44):
        lead = central_codes[index % len(central_codes)]
        theme = CDS_CENTRAL_THEMES[index // len(central_codes) + (index % 2) * 2]
        tasks.append(
            {
                "title": f"{theme} ({lead})",
                "group": "Bộ, ngành Trung ương",
                "lead": lead,
                "scope": "lead",
                "deadline": date(2022, 9, 30) if index % 5 == 0 else date(2022, 12, 31),
            }
        )
    for index in range(63):
        theme = CDS_LOCAL_THEMES[index % len(CDS_LOCAL_THEMES)]
        tasks.append(
            {
                "title": f"{theme} (nội dung {index // len(CDS_LOCAL_THEMES) + 1})",
                "group": "Địa phương",
                "lead": "BTTTT",
                "scope": "provinces",
                "deadline": date(2022, 12, 31),
            }
        )
    for number, task in enumerate(tasks, start=1):
        task["code"] = f"NV{number:03d}"
    return tasks
