"""Word lists the demo generator draws realistic Vietnamese S&T records from."""

FAMILY_NAMES = [
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 3), ("Phan", 4),
    ("Vũ", 4), ("Võ", 3), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2), ("Ngô", 2), ("Dương", 1),
    ("Lý", 1), ("Đinh", 1), ("Trịnh", 1), ("Đào", 1), ("Mai", 1), ("Lương", 1), ("Tạ", 1),
]
MIDDLE_NAMES_MALE = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Thanh", "Ngọc", "Công", "Mạnh",
                     "Tuấn", "Việt", "Hoàng", "Đình", "Trọng", "Anh", "Quốc", "Duy"]
MIDDLE_NAMES_FEMALE = ["Thị", "Thu", "Ngọc", "Thanh", "Minh", "Kim", "Phương", "Hồng", "Thùy", "Mai",
                       "Bích", "Diệu", "Lan", "Hoài", "Khánh", "Quỳnh"]
GIVEN_NAMES_MALE = ["An", "Anh", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Đông", "Giang", "Hải", "Hiếu",
                    "Hòa", "Hoàng", "Hùng", "Huy", "Khánh", "Khoa", "Kiên", "Long", "Lực", "Minh",
                    "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài", "Thắng", "Thành",
                    "Thịnh", "Toàn", "Trung", "Tú", "Tuấn", "Việt", "Vinh", "Vũ", "Thủy"]
GIVEN_NAMES_FEMALE = ["Anh", "Châu", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hòa",
                      "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân",
                      "Ngọc", "Nhung", "Oanh", "Phương", "Quyên", "Tâm", "Thảo", "Thoa", "Thủy",
                      "Trang", "Trinh", "Tuyết", "Vân", "Xuân", "Yến", "Khuê"]

# (topic, level-2 field of S&T)
ORG_TOPICS = [
    ("Công nghệ Sinh học", "106"), ("Khoa học Vật liệu", "205"), ("Cơ khí", "203"),
    ("Hóa học", "104"), ("Vật lý", "103"), ("Toán học", "101"), ("Công nghệ Thông tin", "102"),
    ("Điện tử - Viễn thông", "202"), ("Công nghệ Môi trường", "207"), ("Địa chất", "105"),
    ("Hải dương học", "105"), ("Y học Dự phòng", "301"), ("Dược liệu", "303"),
    ("Y học Lâm sàng", "302"), ("Cây lương thực và Cây thực phẩm", "401"), ("Chăn nuôi", "402"),
    ("Thú y", "403"), ("Lâm nghiệp", "404"), ("Nuôi trồng Thủy sản", "405"),
    ("Kinh tế", "502"), ("Khoa học Giáo dục", "503"), ("Xã hội học", "504"), ("Luật học", "505"),
    ("Sử học", "601"), ("Ngôn ngữ học", "602"), ("Triết học", "603"), ("Khoa học Xây dựng", "201"),
    ("Công nghệ Thực phẩm", "211"), ("Công nghệ Nano", "210"), ("Năng lượng Mới", "202"),
    ("Cơ điện Nông nghiệp", "203"), ("Thủy lợi", "201"), ("Tài nguyên Nước", "105"),
    ("Công nghệ Sinh học Nông nghiệp", "406"), ("Hóa dược", "303"), ("Tâm lý học", "501"),
]
ORG_TYPES = {
    # type code: (share, name patterns)
    "vien_nghien_cuu": (0.40, ["Viện {topic}", "Viện Nghiên cứu {topic}", "Viện {topic} {region}"]),
    "truong_dai_hoc": (0.25, ["Trường Đại học {topic} {place}", "Trường Đại học {place}"]),
    "trung_tam": (0.20, ["Trung tâm Nghiên cứu {topic} {place}", "Trung tâm Ứng dụng {topic} {place}"]),
    "doanh_nghiep_khcn": (0.15, ["Công ty Cổ phần {topic} {brand}", "Công ty TNHH Công nghệ {brand}"]),
}
OWNERSHIP = [("nha_nuoc", 0.78), ("ngoai_nha_nuoc", 0.18), ("nuoc_ngoai", 0.04)]
REGION_WORDS = ["Miền Bắc", "Miền Trung", "Miền Nam", "Tây Nguyên", "Nhiệt đới", "Ứng dụng"]
BRANDS = ["Sao Việt", "Tân Tiến", "Phương Nam", "Hồng Hà", "Trường Sơn", "Bình Minh", "An Phát",
          "Đại Dương", "Việt Tiến", "Thành Công", "Hưng Thịnh", "Minh Long", "Sông Đà", "Thái Bình Dương"]
# Abbreviations real feeds use for the words of an organisation's name.
ABBREVIATIONS = [("Trường Đại học", "ĐH"), ("Viện Nghiên cứu", "Viện NC"), ("Trung tâm", "TT"),
                 ("Công ty Cổ phần", "CTCP"), ("Công ty TNHH", "Cty TNHH"), ("Khoa học", "KH"),
                 ("Công nghệ", "CN"), ("Thành phố Hồ Chí Minh", "TP.HCM"), ("Hà Nội", "HN")]

TASK_VERBS = ["Nghiên cứu", "Nghiên cứu ứng dụng", "Nghiên cứu phát triển", "Xây dựng", "Đánh giá",
              "Hoàn thiện công nghệ", "Phát triển", "Nghiên cứu chế tạo", "Ứng dụng"]
TASK_OBJECTS = {
    "1": ["mô hình toán học dự báo", "thuật toán học máy cho dữ liệu lớn", "vật liệu quang xúc tác",
          "hệ gen vi sinh vật bản địa", "đa dạng sinh học rừng ngập mặn", "biến động trầm tích ven biển",
          "hợp chất có hoạt tính sinh học từ sinh vật biển", "cấu trúc điện tử của vật liệu hai chiều"],
    "2": ["hệ thống giám sát chất lượng nước tự động", "thiết bị sấy nông sản bằng năng lượng mặt trời",
          "vật liệu composite gia cường sợi tự nhiên", "lưới điện thông minh quy mô cấp tỉnh",
          "dây chuyền chế biến thức ăn thủy sản", "bê tông cường độ cao dùng cát biển",
          "robot công nghiệp phục vụ dây chuyền lắp ráp", "hệ thống xử lý nước thải làng nghề"],
    "3": ["quy trình chẩn đoán sớm ung thư gan", "chế phẩm từ dược liệu điều trị tiểu đường",
          "phác đồ điều trị bệnh lao kháng thuốc", "vắc xin phòng bệnh tay chân miệng",
          "bộ kit phát hiện nhanh virus sốt xuất huyết", "mô hình chăm sóc sức khỏe người cao tuổi",
          "kỹ thuật ghép tế bào gốc tạo máu", "quy trình sản xuất thuốc generic"],
    "4": ["giống lúa chịu mặn năng suất cao", "quy trình canh tác cà phê bền vững",
          "giống tôm thẻ chân trắng sạch bệnh", "chế phẩm sinh học phòng trừ sâu bệnh hại",
          "mô hình nuôi cá tra thâm canh", "giống keo lai sinh trưởng nhanh",
          "vắc xin phòng bệnh dịch tả lợn châu Phi", "quy trình bảo quản trái cây sau thu hoạch"],
    "5": ["chính sách phát triển kinh tế số", "mô hình giáo dục STEM ở trường phổ thông",
          "thị trường lao động khu vực phi chính thức", "cơ chế quản lý tài chính công",
          "chuyển đổi số trong quản lý nhà nước", "khung pháp lý về dữ liệu cá nhân",
          "sinh kế bền vững cho đồng bào dân tộc thiểu số", "liên kết vùng trong phát triển du lịch"],
    "6": ["di sản văn hóa phi vật thể", "lịch sử vùng đất Nam Bộ", "ngôn ngữ các dân tộc thiểu số",
          "tư tưởng triết học phương Đông", "nghệ thuật truyền thống dân gian",
          "văn học chữ Nôm", "tín ngưỡng thờ Mẫu", "khảo cổ học thời kỳ tiền sử"],
}
TASK_PURPOSES = ["nhằm nâng cao năng suất và chất lượng", "phục vụ xuất khẩu", "thích ứng với biến đổi khí hậu",
                 "quy mô công nghiệp", "phục vụ phát triển kinh tế - xã hội", "đáp ứng yêu cầu hội nhập",
                 "góp phần bảo đảm an ninh lương thực", "trong bối cảnh chuyển đổi số", "", ""]
# Rewording used by a second managing body registering the same work.
TASK_SYNONYMS = [("Nghiên cứu ứng dụng", "Ứng dụng"), ("Nghiên cứu phát triển", "Phát triển"),
                 ("Xây dựng", "Thiết lập"), ("Đánh giá", "Nghiên cứu, đánh giá"), ("nâng cao", "tăng"),
                 ("quy trình", "quy trình công nghệ"), ("phục vụ", "đáp ứng"), ("hệ thống", "hệ"),
                 ("Hoàn thiện công nghệ", "Hoàn thiện quy trình công nghệ"), (" tại ", " ở ")]

PUBLICATION_TYPES = [("journal_article", 0.7), ("conference_paper", 0.2), ("book_chapter", 0.1)]
VENUES = ["Tạp chí Khoa học và Công nghệ Việt Nam", "Vietnam Journal of Science and Technology",
          "Tạp chí Sinh học", "Tạp chí Y học Việt Nam", "Tạp chí Nông nghiệp và Phát triển nông thôn",
          "Tạp chí Kinh tế và Phát triển", "Tạp chí Nghiên cứu Lịch sử", "Journal of Physics: Conference Series",
          "Vietnam Journal of Mathematics", "Tạp chí Hóa học", "Scientific Reports", "PLOS ONE",
          "Journal of Computer Science and Cybernetics", "Tạp chí Khoa học Xã hội Việt Nam"]
EN_TOPICS = {
    "1": ["graphene oxide nanosheets", "mangrove biodiversity", "coastal sediment transport", "marine natural products",
          "graph neural networks", "two-dimensional materials", "soil microbial communities"],
    "2": ["solar drying systems", "natural fibre composites", "smart grid control", "wastewater treatment",
          "high-strength concrete", "industrial robot calibration", "seawater desalination"],
    "3": ["hepatocellular carcinoma", "type 2 diabetes", "drug-resistant tuberculosis", "dengue virus",
          "hand, foot and mouth disease", "elderly care", "antibiotic resistance"],
    "4": ["salt-tolerant rice", "robusta coffee", "whiteleg shrimp", "African swine fever", "pangasius farming",
          "acacia hybrids", "post-harvest losses"],
    "5": ["digital economy", "STEM education", "informal labour", "public finance", "personal data law",
          "rural livelihoods", "regional tourism"],
    "6": ["intangible heritage", "Nom script literature", "Mother Goddess worship", "prehistoric archaeology",
          "minority languages", "folk performing arts", "Southern land history"],
}
EN_PATTERNS = ["A study of {t} in Vietnam", "Effects of climate variability on {t}",
               "Assessment of {t} in the Mekong Delta", "New evidence on {t} from northern Vietnam",
               "Modelling {t}: a case study", "Towards sustainable {t}", "{T} revisited"]
VI_PATTERNS = ["Đánh giá {t}", "Nghiên cứu {t} ở Việt Nam", "Một số vấn đề về {t}",
               "Tổng quan về {t}", "Ảnh hưởng của biến đổi khí hậu đến {t}", "Thực trạng và giải pháp về {t}"]
