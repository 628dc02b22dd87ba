"""Load the built-in criteria frameworks from the source plans (seeds/), in their own wording.

The data lives here, not in app code, so this migration keeps meaning what it meant when it was
written. The sentences are the plans' own (the half-width commas of the scraped text written
full-width), at most split into several 考核要点. Scores, check methods, evidence hints and
deduction rules are the scoring layer the plans leave to the 组织部; thresholds are the plans'
own figures.
"""

from decimal import Decimal

from django.db import migrations

RECORDS, SITE_VISIT, INTERVIEW, QUESTIONNAIRE = "RECORDS", "SITE_VISIT", "INTERVIEW", "QUESTIONNAIRE"
FIVE_GOODS, FIVE_TYPES, OTHER = "FIVE_GOODS", "FIVE_TYPES", "OTHER"

DEV_ZONE = "开发区基层党建示范点“五好”“五型”标准"
LAOTING_SCHOOL = "乐亭县基层党建工作示范点“五个好”标准（学校）"
FIRE_BRIGADE = "鸡冠区大队基层党建工作试点“五个好”标准（公安消防）"
WANGCHENG_SCHOOL = "望城学校党支部“五个好”创建目标"


def ind(text, score, method, evidence, *, rule="", metric="", threshold=None, veto=False):
    return {
        "text": text,
        "max_score": Decimal(str(score)),
        "check_method": method,
        "evidence_hint": evidence,
        "deduction_rule": rule,
        "metric": metric,
        "threshold": None if threshold is None else Decimal(str(threshold)),
        "is_veto": veto,
    }


def dim(name, weight, indicators, *, group=OTHER, description=""):
    return {
        "name": name,
        "group": group,
        "weight": Decimal(str(weight)),
        "description": description,
        "indicators": indicators,
    }


DEV_ZONE_FRAMEWORK = {
    "name": DEV_ZONE,
    "source": "开发区工委《基层党建示范点创建工作实施方案》三、创建内容",
    "description": (
        "以“五好”党组织和“五型”党组织为载体，把全区党组织建成善于学习、勇于创新、敢于担当、"
        "富有活力的坚强战斗堡垒。"
    ),
    "dimensions": [
        dim(
            "领导班子好",
            10,
            group=FIVE_GOODS,
            description="建设一个好领导班子，尤其要有一个好书记。",
            indicators=[
                ind(
                    "支部班子健全，分工明确，工作落实到位，政治核心作用明显。",
                    3,
                    RECORDS,
                    "支部委员会组成及分工文件、工作台账",
                ),
                ind(
                    "能够团结带领群众坚决贯彻执行党的路线、方针、政策，政治坚定，团结协作，务实高效，"
                    "清正廉洁，凝聚力、战斗力强。",
                    4,
                    INTERVIEW,
                    "走访党员群众记录、班子会议记录",
                ),
                ind(
                    "书记党性要强、作风要正，具有较高的政治理论水平、较硬的思想觉悟和较强的工作能力。",
                    3,
                    INTERVIEW,
                    "书记述职报告、学习笔记、党员群众评价",
                ),
            ],
        ),
        dim(
            "党员队伍好",
            10,
            group=FIVE_GOODS,
            description="培养锻炼一支好队伍。",
            indicators=[
                ind(
                    "党员要有加强的党员意识、党的意识，能够在开发建设事业中发挥先锋模范作用。",
                    5,
                    INTERVIEW,
                    "党员先锋模范事迹材料、走访记录",
                ),
                ind(
                    "党员干部要素质优良，宗旨观念强，作风扎实，爱岗敬业，纪律严明，廉洁高效，"
                    "能够发挥示范带头作用。",
                    5,
                    RECORDS,
                    "党员干部考核材料、民主评议党员记录",
                ),
            ],
        ),
        dim(
            "工作机制好",
            10,
            group=FIVE_GOODS,
            description="健全一套好的管理制度。",
            indicators=[
                ind(
                    "健全一套好的管理制度，体现民主管理原则，保证工作有效运转，使党组织各项工作逐步走上"
                    "制度化、规范化的轨道。",
                    3,
                    RECORDS,
                    "支部各项管理制度汇编",
                ),
                ind(
                    "党组织党内生活正常化，坚持“三会一课”制度。",
                    3,
                    RECORDS,
                    "“三会一课”会议记录、签到表",
                    rule="每少开1次扣0.5分，扣完为止",
                ),
                ind(
                    "坚持民主集中制，组织召开支部会议和民主生活会，开展批评与自我批评。",
                    4,
                    RECORDS,
                    "支部会议记录、民主生活会记录及批评与自我批评材料",
                ),
            ],
        ),
        dim(
            "工作业绩好",
            10,
            group=FIVE_GOODS,
            indicators=[
                ind(
                    "支部党建工作整体水平明显提高，管理有序、服务完善、环境优美、治安良好。",
                    4,
                    SITE_VISIT,
                    "实地查看阵地和环境、年度工作总结",
                ),
                ind(
                    "至少有一项工作的经验做法得到上级党组织的肯定和推广。",
                    3,
                    RECORDS,
                    "上级党组织肯定、推广的文件或简报",
                    rule="无经验做法得到上级党组织肯定和推广的不得分",
                ),
                ind(
                    "支部工作及其特色活动被新闻媒体报道，且次数较多、层次较高。",
                    3,
                    RECORDS,
                    "新闻媒体报道原件或截图",
                    rule="未被新闻媒体报道的不得分",
                ),
            ],
        ),
        dim(
            "群众反映好",
            10,
            group=FIVE_GOODS,
            indicators=[
                ind(
                    "党组织的各项工作符合群众的意愿，能有效地维护群众的合法权益。",
                    3,
                    INTERVIEW,
                    "走访群众记录、维护群众权益事例",
                ),
                ind(
                    "党员干部尊重群众、爱护群众，工作作风和工作实绩得到群众公认。党组织各项工作得到"
                    "广大群众普遍好评，得到广大群众的支持和拥护。",
                    3,
                    INTERVIEW,
                    "走访群众记录",
                ),
                ind(
                    "民主测评领导班子群众满意度达到90%以上。",
                    4,
                    QUESTIONNAIRE,
                    "群众测评结果（系统按测评票计算）",
                    rule="满意度每低1个百分点扣0.5分，扣完为止",
                    metric="satisfaction_rate",
                    threshold=90,
                ),
            ],
        ),
        dim(
            "服务型党组织",
            10,
            group=FIVE_TYPES,
            indicators=[
                ind(
                    "服务发展。要引导党组织和党员服从和服务于经济社会发展大局的思想，围绕发展抓党建，"
                    "抓好党建促发展，把握发展规律，创新发展理念，转变发展方式，破解发展难题，充分发挥"
                    "党组织建设在服务经济社会发展中的引领作用，将党的政治优势和组织优势转化为促进科学"
                    "发展的强大动力，推动经济社会又好又快发展。",
                    2.5,
                    RECORDS,
                    "围绕发展抓党建的工作计划、项目台账",
                ),
                ind(
                    "服务社会。要引导党组织和广大党员进一步增强宗旨观念，转变工作作风，致力于关注民情、"
                    "维护民意、促进民和，把群众的困难当成自己的困难，想群众所想，急群众所急，切实做好"
                    "通过民意，理顺情绪，凝聚人心的工作，努力推进社会建设、促进社会和谐稳定。",
                    2.5,
                    INTERVIEW,
                    "民情走访记录、化解矛盾台账",
                ),
                ind(
                    "服务群众。通过组织引导党组织和党员强化服务理念，提升服务能力，树立群众利益无小事的"
                    "服务意识，全心全意为人民服务，切实维护好广大人民群众的根本利益，关心改善民生，"
                    "不断赢得人民群众的持久信任和支持，不断夯实党的执政基础。",
                    2.5,
                    INTERVIEW,
                    "为民办实事台账、走访群众记录",
                ),
                ind(
                    "服务党员。党组织要尊重党员的主体地位，保护党员的合法权益，建立健全在政治上关心、"
                    "工作上支持、生活上关爱党员的工作机制，形成党组织关爱服务党员、党员关爱服务群众的"
                    "格局。通过组织关心党员，推动党员服务群众和社会，服务科学发展。",
                    2.5,
                    RECORDS,
                    "关爱党员工作机制、谈心谈话及慰问帮扶记录",
                ),
            ],
        ),
        dim(
            "学习型党组织",
            10,
            group=FIVE_TYPES,
            indicators=[
                ind(
                    "学习意识强烈。党组织凝聚力强，领导班子坚强有力，具有较强的学习能力和饱满的学习"
                    "热情，党员干部真学、善学、勤学，妥善处理工学矛盾，坚持集体学习和个人自学相结合，"
                    "做到学以致用，用以促学，学用相长。",
                    2.5,
                    RECORDS,
                    "集体学习记录、个人自学笔记",
                ),
                ind(
                    "学习重点突出。以政治学习为重点，把学习党章党规和系列讲话作为“必修课”，形成常态化。"
                    "引导广大党员干部特别是党员领导干部自觉学习党章、遵守党章、贯彻党章、维护党章，"
                    "进一步强化党员理想信念，教育党员干部严格遵守党的纪律；深入学习习总书记系列重要"
                    "讲话，不断增强政治意识、大局意识、核心意识、看齐意识，尤其是核心意识和看齐意识，"
                    "自觉维护以总书记为核心的党中央权威，保证政令畅通。",
                    2.5,
                    RECORDS,
                    "党章党规和系列讲话学习记录",
                ),
                ind(
                    "学习活动常态。党组织要结合自身实际，制定目标明确、思路清晰、措施可行的学习计划。"
                    "领导班子认真落实中心组学习制度，带头学习。建立健全科学规范的党员学习教育评价机制"
                    "和激励机制，积极为党员学习培训创造条件，严格落实党的组织生活制度，将“两学一做”"
                    "学习教育融入“三会一课”制度，定期扎实开展学习活动，做到学习活动常态化制度化。",
                    2.5,
                    RECORDS,
                    "年度学习计划、中心组学习记录、“三会一课”记录",
                    rule="未制定学习计划的扣1分",
                ),
                ind(
                    "学习载体丰富。党组织要组织内容丰富、形式多样、教育性强，积极开展不同形式的主题学习"
                    "活动，积极创造条件为党员提供交流与互动学习的平台，促进党员将学习成果转化为推动工作"
                    "的实际行动。党员参加各类学习培训有学习记载和考核记录。要不断创新和丰富学习载体，"
                    "形成讲学习、爱学习、善学习的良好氛围。",
                    2.5,
                    RECORDS,
                    "主题学习活动材料、党员学习记载和考核记录",
                ),
            ],
        ),
        dim(
            "创新型党组织",
            10,
            group=FIVE_TYPES,
            indicators=[
                ind(
                    "创新思想观念。围绕发展第一要务谋划党建工作，引导广大党员干部解放思想，开拓思路，"
                    "增强工作创新的主动性和自觉性。实施创新党组织书记培养工程按分级培训原则，对党组织"
                    "书记分领域、分主题精准培训，鼓励党组织书记敢于打破传统的思维定势，带头领办创新项目、"
                    "带头推动技术革新、带头进行观念创新，创造性地开展工作，使党组织书记成为创新的带头人；"
                    "实施创新骨干队伍建设工程，引导党员围绕推动服务创新发展开展“承诺践诺”活动，不断提升"
                    "党员队伍的整体创新能力和水平，使党员成为创新的骨干。",
                    2.5,
                    RECORDS,
                    "书记培训记录、领办创新项目材料、党员“承诺践诺”材料",
                ),
                ind(
                    "创新党建内容。突出重点任务，紧密结合“两学一做”学习教育常态化制度化工作，从落实党建"
                    "工作责任制和严格党内政治生活着手，以党建工作项目管理手段推动创新工作思想到位、行动"
                    "到位、落实到位。坚持立足实际丰富创新活动载体，开展党组织书记谈创新和党支部书记谈"
                    "党建、党员创新活动日、党建创新主题月等形式多样的活动，充实创新活动内容，化无形为"
                    "有形，变抽象为具体，使创新活动看得见、摸得着，不断激发创新活力。",
                    2.5,
                    RECORDS,
                    "党建工作项目清单、创新活动记录",
                ),
                ind(
                    "创新工作方法。要坚持问题导向，梳理制约和阻碍党组织创新发展的问题清单，全面树立分析"
                    "解决问题的方法措施，选好创建工作的主抓手和突破口。强能力促引领，实施党支部书记考核"
                    "调整计划、党组织书记创新能力提升计划、党组织书记创新引领计划、党组织书记民情走访"
                    "计划等“四项计划”，使各级党组织书记成为引领创新、倾听民声的带头人。强管理促示范，"
                    "把党员教育真正融入日常、抓在经常，引导广大党员做“四个合格”党员，在促进改革发展"
                    "稳定中作表率、当先锋，使党员成为示范创新、汇聚民情的骨干。",
                    2.5,
                    RECORDS,
                    "问题清单及措施、“四项计划”落实材料",
                ),
                ind(
                    "创新工作机制。要注重考评推广，把创新型党组织作为党建工作目标、党支部书记述职评议、"
                    "党组织创新争优的重要内容，促进创新型党组织创建活动扎实有效开展。探索鼓励创新、服务"
                    "创新、宽容创新、保障创新的制度机制，营造创新氛围，树立创新导向，创造创新条件，提供"
                    "创新保障。建立创新激励机制，采取政策支持、项目扶持等措施，培育、树立一批创新型党组织"
                    "和党员创新骨干。建立容错纠错机制，给勇于创新者撑腰鼓劲，让广大党员敢创新、愿创新、"
                    "善创新。",
                    2.5,
                    RECORDS,
                    "创新激励、容错纠错等制度文件",
                ),
            ],
        ),
        dim(
            "效能型党组织",
            10,
            group=FIVE_TYPES,
            indicators=[
                ind(
                    "树立争先进位的意识。破除安于现状、不求进取的思想观念，培养努力拼搏、不甘落后、敢为"
                    "人先、争创一流的进取精神，以一流创效能，以效能争一流，努力营造个人争先进，单位创佳绩"
                    "的氛围。",
                    3,
                    INTERVIEW,
                    "争先创优材料、走访党员群众记录",
                ),
                ind(
                    "造就真抓实干的作风。教育引导党员干部树立正确的事业观、工作观和政绩观，倡导“重实际、"
                    "说实话、干实事、求实效”的作风，形成工作中“一抓到底，抓比成效”的时代精神，认真履行"
                    "岗位职责，扎实完成各项任务，以高度负责的精神和精益求精的态度，兢兢业业做好本职工作，"
                    "充分发挥共产党员的先锋模范作用。",
                    3,
                    INTERVIEW,
                    "岗位职责履行情况、工作任务完成台账",
                ),
                ind(
                    "建立职责分明的机制。严格执行党内生活制度，完善各项工作制度，重点在提高制度执行力上"
                    "下功夫。党员干部要做表率，深入贯彻落实工作责任制和责任追究制，做到有权必有责、用权"
                    "受监督、违规要追究、奖罚要分明，努力做到以制度规范行政行为，按制度办事、靠制度管人"
                    "的工作机制。",
                    4,
                    RECORDS,
                    "工作责任制、责任追究制等制度及执行记录",
                ),
            ],
        ),
        dim(
            "廉洁型党组织",
            10,
            group=FIVE_TYPES,
            indicators=[
                ind(
                    "严格落实党风廉政建设责任制。认真学习贯彻《关于新形势下党内政治生活若干准则》、"
                    "《中国共产党员党员领导干部廉洁从政若干准则》、《中国共产党廉洁自律准则》等党内法规，"
                    "建立健全教育、制度、监督并重的惩治和预防腐败体系，积极营造风清气正、廉洁奉公的政治"
                    "生态环境。",
                    4,
                    RECORDS,
                    "党风廉政建设责任书、党内法规学习记录",
                ),
                ind(
                    "深入推进党务公开工作。党组织领导班子要熟悉党支部工作情况、党务工作开展情况和党费"
                    "收缴情况，做到随问随解答。要利用党务公开栏及时公布相关情况，落实党员的知情权、参与权、"
                    "选举权和监督权。鼓励和保护党员干部讲真话、讲实话、讲心里话，积极营造民主讨论、民主"
                    "监督的良好氛围。",
                    3,
                    SITE_VISIT,
                    "党务公开栏、党费收缴公开情况",
                ),
                ind(
                    "保持艰苦奋斗的作风。深入开展艰苦奋斗优良传统教育，倡导重节约、尚俭朴的风气，引导"
                    "党员干部带头落实中央“八项规定”带头坚决反对铺张浪费，坚决杜绝吃拿卡要现象，坚决抵制"
                    "享乐主义和奢靡之风。党组织要注重挖掘先进典型，引导党员自觉以典型为镜，做合格党员，"
                    "把学先进作为每名党员的自觉行为，营造“学习先进、见贤思齐”的良好氛围。",
                    3,
                    INTERVIEW,
                    "落实中央“八项规定”情况、走访群众记录",
                ),
            ],
        ),
    ],
}


def county_five_goods(*, name, source, goal, variant):
    """The county 五个好 (four 方面 plus the 标准要求 sentence) with one unit's own figures.

    The school and the fire-brigade plans share their wording except for these figures and a few
    words naming the unit's line of work; `variant` holds those.
    """
    v = variant
    return {
        "name": name,
        "source": source,
        "description": f"{goal}达到“五个好”基层党组织的创建标准要求。",
        "dimensions": [
            dim(
                "领导班子建设",
                20,
                indicators=[
                    ind(
                        "领导班子团结协作、结构合理、配备齐全，有较强的凝聚力、战斗力和创造力。",
                        5,
                        RECORDS,
                        "班子成员名单及分工、换届选举材料",
                    ),
                    ind(
                        "有一名好的党组织书记，团结带领党员、群众贯彻执行党的路线方针政策和上级的各项决定，"
                        "并创造性地开展工作。",
                        6,
                        INTERVIEW,
                        "书记述职报告、党员群众评价",
                    ),
                    ind(
                        "配备专人负责党务工作。",
                        4,
                        RECORDS,
                        "党务工作人员任命或分工文件",
                        rule="未配备专人负责党务工作的不得分",
                    ),
                    ind("群众对班子的满意率较高。", 5, QUESTIONNAIRE, "群众测评结果"),
                ],
            ),
            dim(
                "党员干部队伍建设",
                35,
                description=(
                    "按照从严治党的工作方针和党管干部的原则，不断加强党员干部队伍的教育、发展和管理。"
                ),
                indicators=[
                    ind(
                        "党员发展工作、党员活动、民主评议党员等各项工作开展正常。",
                        4,
                        RECORDS,
                        "党员发展、党员活动、民主评议党员记录",
                    ),
                    ind(
                        v["new_members_text"],
                        4,
                        RECORDS,
                        "发展党员档案（系统按发展记录计算）",
                        rule=v["new_members_rule"],
                        metric="new_members_per_year",
                        threshold=v["new_members_per_year"],
                    ),
                    ind(
                        v["activists_text"],
                        3,
                        RECORDS,
                        "入党积极分子培养考察材料（系统按发展记录计算）",
                        rule=v["activists_rule"],
                        metric="activists_per_year",
                        threshold=v["activists_per_year"],
                    ),
                    ind(
                        v["activities_text"],
                        5,
                        RECORDS,
                        "党员活动记录（系统按会议记录计算）",
                        rule=v["activities_rule"],
                        metric="activities_per_month",
                        threshold=v["activities_per_month"],
                    ),
                    ind(
                        "党员到会率在90%以上。",
                        4,
                        RECORDS,
                        "会议签到表（系统按出勤记录计算）",
                        rule="到会率每低5个百分点扣1分，扣完为止",
                        metric="meeting_attendance_rate",
                        threshold=90,
                    ),
                    ind("电教设施齐全，并能发挥作用。", 2, SITE_VISIT, "电教设施及使用记录"),
                    ind("流动党员得到有效管理。", 2, RECORDS, "流动党员管理台账"),
                    ind(
                        "党员每月按时足额缴纳党费，党支部每月一次上缴党委。",
                        4,
                        RECORDS,
                        "党费收缴台账（系统按缴费记录计算）、上缴凭证",
                        rule="每有1人次未按时足额缴纳扣0.5分，扣完为止",
                        metric="dues_on_time_rate",
                        threshold=100,
                    ),
                    ind("整体队伍素质高，先锋模范作用发挥好。", 3, INTERVIEW, "走访党员群众记录"),
                    ind(
                        "无违法违纪现象。",
                        4,
                        RECORDS,
                        "纪检监察部门意见",
                        rule="有违法违纪现象的，实行一票否决",
                        veto=True,
                    ),
                ],
            ),
            dim(
                "工作制度建设",
                20,
                indicators=[
                    ind(
                        "坚持民主集中制，做到重大事情让党员早知道。",
                        3,
                        RECORDS,
                        "支部会议记录、党务公开材料",
                    ),
                    ind(
                        "严格执行党内选举制度，到期按时换届。",
                        3,
                        RECORDS,
                        "换届选举请示、批复及选举材料",
                        rule="到期未按时换届的不得分",
                    ),
                    ind(
                        "党组织议事规则、“三会一课”、发展党员、民主生活会、民主评议党员、党员干部联系群众、"
                        "党内争先创优等各项制度健全、规范、落实。",
                        6,
                        RECORDS,
                        "各项制度文本及落实记录",
                        rule="每缺1项制度扣1分",
                    ),
                    ind("各项记录齐全规范，归档及时。", 4, RECORDS, "会议记录本、档案资料"),
                    ind(
                        "党员活动室规范，配套设施健全，做到党旗、入党誓词、党员形象、党建知识及党内主要制度"
                        "等上墙。",
                        4,
                        SITE_VISIT,
                        "党员活动室",
                        rule="上墙内容每缺1项扣0.5分",
                    ),
                ],
            ),
            dim(
                "各项工作规范",
                15,
                indicators=[
                    ind(
                        f"党组织要明确工作职责，各项工作在{v['peers']}处于先进行列。",
                        5,
                        RECORDS,
                        "工作职责文件、上级考核结果或表彰",
                    ),
                    ind(
                        "党组织要发挥政治核心作用和战斗堡垒作用。",
                        5,
                        INTERVIEW,
                        "走访党员群众记录",
                    ),
                    ind(
                        f"建立与{v['administration']}工作协调一致的工作机制，各项工作有章可循、有制可依、"
                        "按规定办事。",
                        5,
                        RECORDS,
                        "党政协调工作机制文件、会议记录",
                    ),
                ],
            ),
            dim(
                "特色创新和群众满意",
                10,
                description="标准要求：达到“五个好”基层党组织的创建标准要求。此外，还应达到以下要求。",
                indicators=[
                    ind(
                        "党建工作更具特色、更富创新、更有影响，能够代表全县基层党建工作先进水平。",
                        4,
                        SITE_VISIT,
                        "特色工作材料、宣传报道",
                    ),
                    ind(v["impact_text"], 3, RECORDS, "业务工作考核结果、表彰材料"),
                    ind("党群关系和谐，群众满意。", 3, QUESTIONNAIRE, "群众测评结果、走访群众记录"),
                ],
            ),
        ],
    }


LAOTING_SCHOOL_FRAMEWORK = county_five_goods(
    name=LAOTING_SCHOOL,
    source="乐亭县学校党支部基层党建工作示范点创建方案 二、目标任务和标准要求",
    goal=(
        "力争到今年年底，把我支部建成硬件完善、软件规范、时代特色鲜明、党员群众公认、带动作用较强的"
        "基层党组织，跨入县级示范点行列。"
    ),
    variant={
        "new_members_text": "每两年至少发展1名新党员。",
        "new_members_rule": "两年内未发展新党员的不得分",
        "new_members_per_year": "0.5",
        "activists_text": "每年培养1名以上的入党积极分子。",
        "activists_rule": "当年未培养入党积极分子的不得分",
        "activists_per_year": 1,
        "activities_text": "党员活动每月1次。",
        "activities_rule": "每月1次，每少1次扣0.5分，扣完为止",
        "activities_per_month": 1,
        "peers": "本行业",
        "administration": "学校行政",
        "impact_text": (
            "党建工作促进学校发展成效显著，教育教学工作在本行业走在前列，在全县有较大影响和较强辐射能力。"
        ),
    },
)

FIRE_BRIGADE_FRAMEWORK = county_five_goods(
    name=FIRE_BRIGADE,
    source="鸡冠区大队创建基层党建工作试点实施方案 二、目标任务和标准要求",
    goal=(
        "力争到今年年底，把党委、党支部建成硬件完善、软件规范、时代特色鲜明、党员群众公认、带动作用较强的"
        "基层党组织，跨入县级试点行列。"
    ),
    variant={
        "new_members_text": "每年至少发展2名新党员。",
        "new_members_rule": "每少发展1名扣2分",
        "new_members_per_year": 2,
        "activists_text": "每年培养2名以上的入党积极分子。",
        "activists_rule": "每少培养1名扣1.5分",
        "activists_per_year": 2,
        "activities_text": "党日活动每周1次。",
        "activities_rule": "每周1次（每月按4次计），每少1次扣0.5分，扣完为止",
        "activities_per_month": 4,
        "peers": "全支队",
        "administration": "行政",
        "impact_text": (
            "党建工作促进发展成效显著，防灭火工作在全支队走在前列，在全县有较大影响和较强辐射能力。"
        ),
    },
)

WANGCHENG_SCHOOL_FRAMEWORK = {
    "name": WANGCHENG_SCHOOL,
    "source": "望城学校党支部创建基层党建工作示范点实施方案 二、创建工作目标",
    "description": (
        "力争在今年内把学校党支部建设成为市县基层党建工作示范点，成为基层党组织的样板，成为落实"
        "“三个代表”重要思想的组织者、推动者和实践者。"
    ),
    "dimensions": [
        dim(
            "领导班子好",
            20,
            group=FIVE_GOODS,
            indicators=[
                ind(
                    "领导班子成员能自觉学习牢记“两个务必”和实践“三个代表”重要思想，宣传贯彻党的路线、"
                    "方针和政策。",
                    6,
                    RECORDS,
                    "班子成员学习记录、宣传贯彻材料",
                ),
                ind(
                    "领导班子健全，结构合理，素质较高，奋发有为，顾全大局，决策民主，作风优良，廉洁勤政，"
                    "实绩突出，班子有一定的战斗力和凝聚力，能发挥战斗堡垒作用。",
                    8,
                    INTERVIEW,
                    "班子成员名单及分工、走访教职工记录",
                ),
                ind(
                    "党支部书记及委员有较高的理论、政策水平和较强的组织协调能力，在学校党员干部、教职工"
                    "中有较高的威信。",
                    6,
                    INTERVIEW,
                    "书记及委员述职材料、走访教职工记录",
                ),
            ],
        ),
        dim(
            "党员队伍好",
            25,
            group=FIVE_GOODS,
            indicators=[
                ind(
                    "党员党性强，作风正，党员能发挥先锋模范作用，干部能发挥骨干带头作用。",
                    5,
                    INTERVIEW,
                    "党员先锋模范事迹材料、走访师生记录",
                ),
                ind(
                    "切实加强党员干部的教育培训和监督，党员干部能带头钻研业务和带领教师教研教改，教学本领"
                    "明显增强，素质不断提升。",
                    5,
                    RECORDS,
                    "党员干部培训记录、教研教改材料",
                ),
                ind(
                    "党的组织生活严格，党员教育培训经常，党员监督管理有效，“争创学习型学校，争当学习型"
                    "教师”活动有实效。",
                    5,
                    RECORDS,
                    "组织生活记录、党员教育培训记录、学习型学校活动材料",
                ),
                ind(
                    "按照发展党员的“十六字”方针，认真做好发展党员工作，制定党员发展工作三年规划和计划，"
                    "党员队伍结构不断优化。",
                    5,
                    RECORDS,
                    "党员发展工作三年规划和年度计划、发展党员档案",
                    rule="未制定党员发展工作三年规划和计划的扣2分",
                ),
                ind(
                    "按党费收缴标准，及时足额做好党费的收缴工作。",
                    5,
                    RECORDS,
                    "党费收缴台账（系统按缴费记录计算）",
                    rule="每有1人次未及时足额缴纳扣0.5分，扣完为止",
                    metric="dues_on_time_rate",
                    threshold=100,
                ),
            ],
        ),
        dim(
            "工作机制好",
            20,
            group=FIVE_GOODS,
            indicators=[
                ind(
                    "党支部议事、决策和工作等各项制度完善，坚持民主集中制原则，党政领导班子团结一心，"
                    "共谋发展。",
                    5,
                    RECORDS,
                    "议事决策制度、党政联席会议记录",
                ),
                ind(
                    "有一套好的党建工作制度，争取建一间标准较高的党员活动室，有完整的档案资料和规范的"
                    "办事程序。",
                    5,
                    SITE_VISIT,
                    "党员活动室、党建档案资料",
                ),
                ind(
                    "党内监督的有关制度健全，党支部对党员特别是党员负责干部监督的职责和措施落实较好，"
                    "党员参加组织生活，党员负责干部过双重组织生活。",
                    5,
                    RECORDS,
                    "党内监督制度、双重组织生活记录",
                ),
                ind(
                    "有一支业务熟悉、务实细心的党务干部队伍，重视党务干部的选配、培训。",
                    5,
                    RECORDS,
                    "党务干部名单及培训记录",
                ),
            ],
        ),
        dim(
            "工作业绩好",
            20,
            group=FIVE_GOODS,
            indicators=[
                ind(
                    "高质量的完成工作任务，教学工作和工作目标完成好，工作业绩突出。",
                    5,
                    RECORDS,
                    "年度目标考核结果、教学质量材料",
                ),
                ind(
                    "党员干部作风明显改进，工作效率和服务水平提高，师生评价好。",
                    5,
                    INTERVIEW,
                    "走访师生记录",
                ),
                ind(
                    "全体教职员工坚持依法行政、依法执教，教书育人，为人师表，认真履行职责。",
                    5,
                    INTERVIEW,
                    "走访师生记录、师德考核材料",
                ),
                ind(
                    "精神文明建设和民主法制建设成效显著，认真抓好校务公开，搞好精神文明建设和社会治安、"
                    "计生工作，继续争创市级文明单位。",
                    5,
                    SITE_VISIT,
                    "校务公开栏、文明单位创建材料",
                ),
            ],
        ),
        dim(
            "师生反映好",
            15,
            group=FIVE_GOODS,
            indicators=[
                ind(
                    "党员干部依法办事，求真务实，廉政勤政，工作措施和方法符合师生意愿。工作作风和工作实绩"
                    "师生满意，争取满意率在90以上，党群干群关系密切，党组织得到群众拥护。",
                    7,
                    QUESTIONNAIRE,
                    "师生满意度测评结果（系统按测评票计算）",
                    rule="满意率每低1个百分点扣0.5分，扣完为止",
                    metric="satisfaction_rate",
                    threshold=90,
                ),
                ind(
                    "党组织注重了解、反映师生的意见，维护师生的合法权益，在干部、师生中有凝聚力和战斗力。",
                    4,
                    INTERVIEW,
                    "师生意见收集反馈记录",
                ),
                ind(
                    "共产党员在学校各项工作中充分发挥先锋模范作用。",
                    4,
                    INTERVIEW,
                    "走访师生记录、党员先进事迹",
                ),
            ],
        ),
    ],
}

BUILTIN_FRAMEWORKS = [
    DEV_ZONE_FRAMEWORK,
    LAOTING_SCHOOL_FRAMEWORK,
    FIRE_BRIGADE_FRAMEWORK,
    WANGCHENG_SCHOOL_FRAMEWORK,
]


def load_builtin_frameworks(apps, schema_editor):
    Framework = apps.get_model("assessments", "Framework")
    Dimension = apps.get_model("assessments", "Dimension")
    Indicator = apps.get_model("assessments", "Indicator")
    for data in BUILTIN_FRAMEWORKS:
        if Framework.objects.filter(is_builtin=True, campaign=None, name=data["name"]).exists():
            continue
        framework = Framework.objects.create(
            name=data["name"],
            source=data["source"],
            description=data["description"],
            version=1,
            is_builtin=True,
            campaign=None,
        )
        dimensions = Dimension.objects.bulk_create(
            Dimension(
                framework=framework,
                order=order,
                **{key: value for key, value in d.items() if key != "indicators"},
            )
            for order, d in enumerate(data["dimensions"], start=1)
        )
        Indicator.objects.bulk_create(
            Indicator(dimension=dimension, code=f"{d_no}.{i_no}", order=i_no, **i)
            for d_no, (dimension, d) in enumerate(zip(dimensions, data["dimensions"], strict=True), start=1)
            for i_no, i in enumerate(d["indicators"], start=1)
        )


def delete_builtin_frameworks(apps, schema_editor):
    Framework = apps.get_model("assessments", "Framework")
    Framework.objects.filter(
        is_builtin=True, campaign=None, name__in=[data["name"] for data in BUILTIN_FRAMEWORKS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0003_initial"),
    ]

    operations = [
        migrations.RunPython(load_builtin_frameworks, delete_builtin_frameworks),
    ]
