//! Mapping the columns of an imported table onto Jingxi's fields: which fields each kind of
//! record has, guesses from header names (Chinese and English), the value parsers imports need
//! beyond the forms' (dates as spreadsheets write them), and row-level errors.
use super::forms::{ErrorCode, FieldError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

text_enum! {
    /// What an imported file holds (customers come with an optional primary contact per row).
    pub enum ImportKind {
        Customers => "customers",
        Contacts => "contacts",
        FollowUps => "follow_ups",
        Opportunities => "opportunities",
        Payments => "payments",
        Orders => "orders",
        Users => "users",
        Products => "products",
        Inventory => "inventory",
    }
}

text_enum! {
    /// How an imported row finds the existing record it updates.
    pub enum MatchBy {
        ExternalId => "external_id",
        Name => "name",
        Phone => "phone",
    }
}

/// A field an imported column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetField {
    pub key: &'static str,
    pub required: bool,
    /// Header names that mean this field, compared after [`header_key`].
    synonyms: &'static [&'static str],
}

const fn field(key: &'static str, synonyms: &'static [&'static str]) -> TargetField {
    TargetField {
        key,
        required: false,
        synonyms,
    }
}

const fn required(key: &'static str, synonyms: &'static [&'static str]) -> TargetField {
    TargetField {
        key,
        required: true,
        synonyms,
    }
}

const CUSTOMER_FIELDS: &[TargetField] = &[
    field(
        "external_id",
        &[
            "externalid",
            "id",
            "customerid",
            "accountid",
            "客户编号",
            "客户编码",
            "客户id",
            "编号",
            "外部编号",
        ],
    ),
    required(
        "name",
        &[
            "name",
            "customer",
            "customername",
            "company",
            "companyname",
            "account",
            "accountname",
            "客户名称",
            "客户",
            "公司名称",
            "单位名称",
            "企业名称",
            "名称",
            "客户全称",
        ],
    ),
    field(
        "short_name",
        &["shortname", "abbreviation", "简称", "客户简称"],
    ),
    field(
        "phone",
        &[
            "phone",
            "tel",
            "telephone",
            "companyphone",
            "电话",
            "联系电话",
            "公司电话",
            "固定电话",
            "座机",
        ],
    ),
    field(
        "tax_id",
        &[
            "taxid",
            "vat",
            "vatnumber",
            "税号",
            "统一社会信用代码",
            "纳税人识别号",
            "信用代码",
        ],
    ),
    field(
        "province",
        &[
            "province", "state", "region", "country", "省", "省份", "地区", "国家",
        ],
    ),
    field("city", &["city", "town", "城市", "市"]),
    field("district", &["district", "county", "区", "区县", "县区"]),
    field(
        "street",
        &[
            "address",
            "street",
            "streetaddress",
            "地址",
            "详细地址",
            "街道",
            "通讯地址",
        ],
    ),
    field(
        "website",
        &["website", "web", "url", "homepage", "网站", "网址", "官网"],
    ),
    field("industry", &["industry", "sector", "行业", "所属行业"]),
    field(
        "source",
        &["source", "leadsource", "来源", "客户来源", "线索来源"],
    ),
    field(
        "stage",
        &[
            "stage",
            "ladderstage",
            "status",
            "客户阶段",
            "阶段",
            "客户状态",
        ],
    ),
    field("tags", &["tags", "tag", "labels", "标签"]),
    field(
        "notes",
        &[
            "notes", "note", "remark", "remarks", "comment", "comments", "备注", "说明",
        ],
    ),
    field(
        "owner",
        &[
            "owner",
            "rep",
            "salesrep",
            "salesagent",
            "agent",
            "负责人",
            "销售",
            "业务员",
            "归属销售",
            "销售代表",
        ],
    ),
    field(
        "contact_name",
        &[
            "contact",
            "contactname",
            "contactperson",
            "联系人",
            "联系人姓名",
        ],
    ),
    field(
        "contact_phone",
        &[
            "contactphone",
            "mobile",
            "mobilephone",
            "cellphone",
            "联系人电话",
            "联系人手机",
            "手机",
            "手机号",
            "手机号码",
        ],
    ),
    field(
        "legal_rep",
        &[
            "legalrep",
            "legalrepresentative",
            "法人",
            "法定代表人",
            "法人代表",
        ],
    ),
    field(
        "founded",
        &[
            "founded",
            "yearestablished",
            "established",
            "成立时间",
            "成立日期",
            "成立年份",
        ],
    ),
    field(
        "employees",
        &[
            "employees",
            "headcount",
            "staff",
            "员工数",
            "员工人数",
            "人数",
            "人员规模",
        ],
    ),
    field(
        "revenue_band",
        &[
            "revenue",
            "annualrevenue",
            "营业额",
            "年营业额",
            "营收",
            "年营收",
        ],
    ),
];

/// The customer a row belongs to, by its external id or its name.
const CUSTOMER_REFERENCE: TargetField = required(
    "customer",
    &[
        "customer",
        "customername",
        "customerid",
        "company",
        "companyname",
        "account",
        "accountname",
        "客户",
        "客户名称",
        "客户编号",
        "公司名称",
        "单位名称",
        "企业名称",
    ],
);

const CONTACT_FIELDS: &[TargetField] = &[
    CUSTOMER_REFERENCE,
    required(
        "contact_name",
        &[
            "contact",
            "contactname",
            "contactperson",
            "name",
            "fullname",
            "联系人",
            "联系人姓名",
            "姓名",
        ],
    ),
    field(
        "title",
        &["title", "jobtitle", "position", "职务", "职位", "头衔"],
    ),
    field(
        "contact_phone",
        &[
            "phone",
            "mobile",
            "mobilephone",
            "cellphone",
            "tel",
            "电话",
            "手机",
            "手机号",
            "手机号码",
            "联系电话",
        ],
    ),
    field(
        "email",
        &[
            "email",
            "emailaddress",
            "mail",
            "邮箱",
            "电子邮件",
            "电子邮箱",
        ],
    ),
    field("wechat", &["wechat", "weixin", "微信", "微信号"]),
    field(
        "birthday",
        &["birthday", "dateofbirth", "birthdate", "生日", "出生日期"],
    ),
    field(
        "interests",
        &["interests", "hobbies", "兴趣", "爱好", "兴趣爱好"],
    ),
    field(
        "buying_role",
        &[
            "role",
            "buyingrole",
            "decisionrole",
            "角色",
            "采购角色",
            "决策角色",
        ],
    ),
    field(
        "primary",
        &[
            "primary",
            "isprimary",
            "primarycontact",
            "首要联系人",
            "主联系人",
            "是否首要联系人",
        ],
    ),
];

const FOLLOW_UP_FIELDS: &[TargetField] = &[
    CUSTOMER_REFERENCE,
    required(
        "kind",
        &[
            "kind",
            "type",
            "activity",
            "activitytype",
            "method",
            "类型",
            "跟进方式",
            "跟进类型",
            "方式",
        ],
    ),
    required(
        "summary",
        &[
            "summary",
            "content",
            "notes",
            "note",
            "description",
            "details",
            "内容",
            "跟进内容",
            "情况",
            "跟进情况",
            "备注",
        ],
    ),
    field(
        "happened_on",
        &[
            "date",
            "happenedon",
            "activitydate",
            "visitdate",
            "日期",
            "跟进日期",
            "跟进时间",
            "时间",
            "拜访日期",
        ],
    ),
    field(
        "author",
        &[
            "author",
            "rep",
            "salesrep",
            "salesagent",
            "owner",
            "user",
            "跟进人",
            "业务员",
            "销售",
            "记录人",
        ],
    ),
    field(
        "intent",
        &["intent", "interest", "意向", "客户意向", "意向程度"],
    ),
    field(
        "next_date",
        &[
            "nextdate",
            "nextfollowup",
            "nextfollowupdate",
            "下次跟进日期",
            "下次日期",
            "下次跟进",
        ],
    ),
    field(
        "next_action",
        &["nextaction", "nextstep", "下次行动", "下一步", "下一步计划"],
    ),
];

const OPPORTUNITY_FIELDS: &[TargetField] = &[
    field(
        "external_id",
        &[
            "externalid",
            "id",
            "opportunityid",
            "dealid",
            "商机编号",
            "编号",
            "外部编号",
        ],
    ),
    required(
        "title",
        &[
            "title",
            "opportunity",
            "opportunityname",
            "deal",
            "dealname",
            "name",
            "商机名称",
            "商机",
            "标题",
            "名称",
            "项目名称",
        ],
    ),
    CUSTOMER_REFERENCE,
    field(
        "owner",
        &[
            "owner",
            "rep",
            "salesrep",
            "salesagent",
            "agent",
            "负责人",
            "销售",
            "业务员",
            "销售代表",
        ],
    ),
    field(
        "amount",
        &[
            "amount",
            "value",
            "dealvalue",
            "closevalue",
            "expectedamount",
            "金额",
            "预计金额",
            "商机金额",
            "成交金额",
        ],
    ),
    field(
        "deal_stage",
        &[
            "stage",
            "dealstage",
            "status",
            "阶段",
            "商机阶段",
            "销售阶段",
            "状态",
        ],
    ),
    field(
        "close_on",
        &[
            "closedate",
            "expectedclose",
            "expectedclosedate",
            "closeon",
            "预计成交日期",
            "成交日期",
            "结单日期",
            "关闭日期",
        ],
    ),
    field("source", &["source", "leadsource", "来源", "商机来源"]),
    field(
        "next_step",
        &["nextstep", "nextaction", "下一步", "下一步计划"],
    ),
    field(
        "competitor",
        &["competitor", "competitors", "竞争对手", "竞品"],
    ),
    field(
        "lost_reason",
        &["lostreason", "reasonlost", "输单原因", "丢单原因"],
    ),
];

const PAYMENT_FIELDS: &[TargetField] = &[
    required(
        "order",
        &[
            "order",
            "ordernumber",
            "orderno",
            "invoice",
            "invoiceno",
            "invoicenumber",
            "订单",
            "订单号",
            "订单编号",
            "单号",
        ],
    ),
    required(
        "amount",
        &[
            "amount",
            "paymentamount",
            "paid",
            "金额",
            "回款金额",
            "收款金额",
            "到账金额",
        ],
    ),
    field(
        "received_on",
        &[
            "date",
            "receivedon",
            "paymentdate",
            "paidon",
            "日期",
            "回款日期",
            "收款日期",
            "到账日期",
        ],
    ),
    field(
        "method",
        &[
            "method",
            "paymentmethod",
            "方式",
            "付款方式",
            "收款方式",
            "回款方式",
        ],
    ),
    field(
        "note",
        &["note", "notes", "remark", "remarks", "备注", "说明"],
    ),
];

/// One row per order line; the lines of one order share its number, customer, date and owner.
const ORDER_FIELDS: &[TargetField] = &[
    required(
        "order",
        &[
            "order",
            "ordernumber",
            "orderno",
            "invoice",
            "invoiceno",
            "invoicenumber",
            "订单",
            "订单号",
            "订单编号",
            "单号",
            "发票号",
        ],
    ),
    CUSTOMER_REFERENCE,
    required(
        "ordered_on",
        &[
            "date",
            "orderdate",
            "orderedon",
            "invoicedate",
            "日期",
            "订单日期",
            "下单日期",
            "开票日期",
        ],
    ),
    required(
        "product",
        &[
            "product",
            "productcode",
            "sku",
            "stockcode",
            "itemcode",
            "产品编码",
            "产品编号",
            "货号",
            "物料编码",
        ],
    ),
    required("quantity", &["quantity", "qty", "数量", "订购数量"]),
    required(
        "unit_price",
        &["unitprice", "price", "单价", "成交单价", "售价"],
    ),
    field(
        "owner",
        &[
            "owner",
            "rep",
            "salesrep",
            "salesagent",
            "负责人",
            "销售",
            "业务员",
        ],
    ),
    field(
        "opportunity",
        &["opportunity", "opportunityid", "dealid", "商机编号", "商机"],
    ),
    field(
        "delivery",
        &[
            "delivery",
            "deliverystatus",
            "shipping",
            "发货状态",
            "交付状态",
        ],
    ),
];

/// People with their role, team and department; teams and departments are created when new.
const USER_FIELDS: &[TargetField] = &[
    required(
        "username",
        &[
            "username",
            "login",
            "userid",
            "account",
            "用户名",
            "登录名",
            "账号",
            "工号",
        ],
    ),
    required(
        "display_name",
        &[
            "name",
            "displayname",
            "fullname",
            "salesagent",
            "agent",
            "姓名",
            "名字",
            "员工姓名",
        ],
    ),
    field(
        "role",
        &["role", "position", "title", "角色", "职位", "岗位"],
    ),
    field(
        "team",
        &[
            "team",
            "teamname",
            "group",
            "团队",
            "小组",
            "销售团队",
            "部门小组",
        ],
    ),
    field(
        "department",
        &[
            "department",
            "office",
            "regionaloffice",
            "division",
            "部门",
            "事业部",
            "分公司",
            "大区",
        ],
    ),
];

const PRODUCT_FIELDS: &[TargetField] = &[
    required(
        "code",
        &[
            "code",
            "productcode",
            "sku",
            "stockcode",
            "itemcode",
            "产品编码",
            "产品编号",
            "编码",
            "货号",
            "物料编码",
        ],
    ),
    required(
        "name",
        &[
            "name",
            "product",
            "productname",
            "description",
            "item",
            "产品名称",
            "产品",
            "名称",
            "品名",
            "商品名称",
        ],
    ),
    field(
        "category",
        &[
            "category",
            "series",
            "productline",
            "类别",
            "产品类别",
            "分类",
            "系列",
        ],
    ),
    field("unit", &["unit", "uom", "单位", "计量单位"]),
    field(
        "list_price",
        &[
            "listprice",
            "price",
            "salesprice",
            "unitprice",
            "售价",
            "单价",
            "标准价",
            "标准售价",
            "价格",
            "销售价",
        ],
    ),
    field(
        "cost_price",
        &["costprice", "cost", "unitcost", "成本", "成本价", "进价"],
    ),
];

/// A product's stock at a month's end; without a value, the quantity at the product's cost price.
const INVENTORY_FIELDS: &[TargetField] = &[
    required(
        "product",
        &[
            "product",
            "productcode",
            "sku",
            "stockcode",
            "itemcode",
            "code",
            "产品编码",
            "产品编号",
            "货号",
            "物料编码",
        ],
    ),
    required(
        "month",
        &[
            "month",
            "period",
            "date",
            "snapshotdate",
            "月份",
            "期间",
            "日期",
            "盘点日期",
        ],
    ),
    required(
        "quantity",
        &[
            "quantity",
            "qty",
            "stock",
            "onhand",
            "数量",
            "库存数量",
            "库存",
            "结存数量",
        ],
    ),
    field(
        "value",
        &[
            "value",
            "stockvalue",
            "inventoryvalue",
            "amount",
            "金额",
            "库存金额",
            "结存金额",
        ],
    ),
];

impl ImportKind {
    pub fn fields(self) -> &'static [TargetField] {
        match self {
            ImportKind::Customers => CUSTOMER_FIELDS,
            ImportKind::Contacts => CONTACT_FIELDS,
            ImportKind::FollowUps => FOLLOW_UP_FIELDS,
            ImportKind::Opportunities => OPPORTUNITY_FIELDS,
            ImportKind::Payments => PAYMENT_FIELDS,
            ImportKind::Orders => ORDER_FIELDS,
            ImportKind::Users => USER_FIELDS,
            ImportKind::Products => PRODUCT_FIELDS,
            ImportKind::Inventory => INVENTORY_FIELDS,
        }
    }

    pub fn field(self, key: &str) -> Option<&'static TargetField> {
        self.fields().iter().find(|f| f.key == key)
    }

    /// The ways an existing record can be found for this kind (products always by code, contacts
    /// by name within their customer). None for records that have no key of their own: a
    /// follow-up or payment equal in every imported field to a stored one is that record.
    pub fn match_choices(self) -> &'static [MatchBy] {
        match self {
            ImportKind::Customers => MatchBy::ALL,
            ImportKind::Products | ImportKind::Opportunities | ImportKind::Orders => {
                &[MatchBy::ExternalId]
            }
            ImportKind::Contacts | ImportKind::Users => &[MatchBy::Name],
            // A snapshot is found by its product and month.
            ImportKind::FollowUps | ImportKind::Payments | ImportKind::Inventory => &[],
        }
    }

    /// How rows of this kind find their record when the user has not chosen.
    pub fn default_match(self) -> MatchBy {
        self.match_choices()
            .first()
            .copied()
            .unwrap_or(MatchBy::ExternalId)
    }

    /// The field a match compares (None: the whole row, see [`ImportKind::match_choices`]).
    pub fn match_field(self, by: MatchBy) -> Option<&'static str> {
        match (self, by) {
            (ImportKind::Products, _) => Some("code"),
            (ImportKind::Contacts, _) => Some("contact_name"),
            (ImportKind::Opportunities, _) => Some("external_id"),
            (ImportKind::Orders, _) => Some("order"),
            (ImportKind::Users, _) => Some("username"),
            (ImportKind::FollowUps | ImportKind::Payments | ImportKind::Inventory, _) => None,
            (ImportKind::Customers, MatchBy::ExternalId) => Some("external_id"),
            (ImportKind::Customers, MatchBy::Name) => Some("name"),
            (ImportKind::Customers, MatchBy::Phone) => Some("phone"),
        }
    }
}

/// A header as compared with the synonyms: lower case, without spaces, punctuation, a trailing
/// "(必填)"/"*" marker, or a unit in brackets ("单价(元)" → "单价").
pub fn header_key(header: &str) -> String {
    let header = header.trim().trim_start_matches('\u{feff}');
    let cut = header.find(['(', '（', '[']).unwrap_or(header.len());
    header[..cut]
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// For each column, the field its header most likely means; a field is guessed for one column
/// at most (the first that names it).
pub fn guess_mapping(kind: ImportKind, headers: &[String]) -> Vec<Option<&'static str>> {
    let mut taken: Vec<&'static str> = Vec::new();
    headers
        .iter()
        .map(|header| {
            let key = header_key(header);
            let found = kind.fields().iter().find(|f| {
                !taken.contains(&f.key)
                    && (f.key.replace('_', "") == key || f.synonyms.contains(&key.as_str()))
            })?;
            taken.push(found.key);
            Some(found.key)
        })
        .collect()
}

/// One row of an imported table, by column index.
pub trait Record {
    fn cell(&self, index: usize) -> Option<&str>;
}

impl Record for Vec<String> {
    fn cell(&self, index: usize) -> Option<&str> {
        self.get(index).map(String::as_str)
    }
}

/// Which column fills which field. Built from the user's choices; checked before any row is read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Mapping {
    /// Field key → column index.
    pub columns: BTreeMap<String, usize>,
}

impl Mapping {
    /// From "column index → field key (or empty)" choices, as the mapping form submits them.
    /// A field chosen for two columns, an unknown field, or a required field left out is an
    /// error at the form field `map_{column}` (or `map_{field}` for a missing one).
    pub fn from_choices(
        kind: ImportKind,
        choices: &[String],
        column_count: usize,
    ) -> Result<Mapping, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut columns = BTreeMap::new();
        for (index, choice) in choices.iter().enumerate().take(column_count) {
            let choice = choice.trim();
            if choice.is_empty() {
                continue;
            }
            if kind.field(choice).is_none() {
                errors.push(FieldError::new(
                    &format!("map_{index}"),
                    ErrorCode::UnknownChoice,
                ));
            } else if columns.insert(choice.to_string(), index).is_some() {
                errors.push(FieldError::new(
                    &format!("map_{index}"),
                    ErrorCode::MappedTwice,
                ));
            }
        }
        for f in kind
            .fields()
            .iter()
            .filter(|f| f.required && !columns.contains_key(f.key))
        {
            errors.push(FieldError::new(
                &format!("map_{}", f.key),
                ErrorCode::Required,
            ));
        }
        if errors.is_empty() {
            Ok(Mapping { columns })
        } else {
            Err(errors)
        }
    }

    /// The cell of `record` mapped to `field`, trimmed; empty when unmapped or missing.
    pub fn value<'a>(&self, record: &'a impl Record, field: &str) -> &'a str {
        self.columns
            .get(field)
            .and_then(|&i| record.cell(i))
            .map(str::trim)
            .unwrap_or("")
    }

    /// Whether `record` ends before a mapped column (the row was cut off).
    pub fn cut_off(&self, record: &impl Record) -> bool {
        !self.columns.is_empty() && record.cell(self.widest()).is_none()
    }

    /// The highest column index the mapping reads (a shorter row was cut off).
    pub fn widest(&self) -> usize {
        self.columns.values().copied().max().unwrap_or(0)
    }
}

/// A yes/no cell as people type it ("是", "否", "Y", "true", "1", "√"); empty is no.
pub fn parse_yes_no(raw: &str) -> Result<bool, ErrorCode> {
    match raw.trim().to_lowercase().as_str() {
        "" | "0" | "n" | "no" | "false" | "f" | "否" | "不是" | "×" => Ok(false),
        "1" | "y" | "yes" | "true" | "t" | "是" | "√" | "✓" | "x" => Ok(true),
        _ => Err(ErrorCode::UnknownChoice),
    }
}

/// Why one row of a file cannot be imported, at the field (and so the column) that caused it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The row's line in the file (the header is line 1).
    pub line: u64,
    pub field: String,
    pub code: ErrorCode,
}

/// A date as spreadsheets and other systems write it: `2026-11-23`, `2026/11/23`, `2026.11.23`,
/// `2026年11月23日`, optionally followed by a time of day (which is dropped).
pub fn parse_import_date(raw: &str) -> Result<Option<chrono::NaiveDate>, ErrorCode> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let day = raw
        .split([' ', 'T'])
        .next()
        .unwrap_or(raw)
        .trim_end_matches('日');
    let parts: Vec<&str> = day.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts[..] else {
        return Err(ErrorCode::InvalidDate);
    };
    let number = |s: &str, max_len: usize| {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    match (number(y, 4), number(m, 2), number(d, 2)) {
        (Some(y), Some(m), Some(d)) if y >= 1900 => chrono::NaiveDate::from_ymd_opt(y as i32, m, d)
            .map(Some)
            .ok_or(ErrorCode::InvalidDate),
        _ => Err(ErrorCode::InvalidDate),
    }
}

/// Money units per currency unit at the precision imported prices keep (six decimals), so
/// line totals are rounded to fen once, not per unit price.
pub const MICROS: i64 = 1_000_000;

/// A plain decimal (`-11062.06`, `0.001`, `2`) in millionths, without floating point. More than six
/// decimals or more than 12 integer digits is `InvalidAmount`.
pub fn parse_micros(raw: &str) -> Result<i64, ErrorCode> {
    let raw = raw.trim();
    let (negative, digits) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty()
        || !all_digits(whole)
        || !all_digits(fraction)
        || fraction.len() > 6
        || whole.len() > 12
    {
        return Err(ErrorCode::InvalidAmount);
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| ErrorCode::InvalidAmount)?
    };
    let fraction: i64 = format!("{fraction:0<6}")
        .parse()
        .map_err(|_| ErrorCode::InvalidAmount)?;
    let value = whole * MICROS + fraction;
    Ok(if negative { -value } else { value })
}

/// `quantity × unit price` in fen, rounded half away from zero.
pub fn line_fen(quantity: i64, unit_micros: i64) -> i64 {
    let micros = quantity as i128 * unit_micros as i128;
    let per_fen = (MICROS / 100) as i128;
    let rounded = (micros.abs() + per_fen / 2) / per_fen;
    (if micros < 0 { -rounded } else { rounded }).clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// A product row, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRow {
    pub code: String,
    pub name: String,
    pub category: String,
    pub unit: String,
    pub list_price_fen: Option<i64>,
    pub cost_price_fen: Option<i64>,
}

/// Checks one product row. Prices are optional (an update keeps the old price when empty) and
/// never negative.
pub fn check_product(
    mapping: &Mapping,
    record: &impl Record,
) -> Result<ProductRow, Vec<FieldError>> {
    use super::forms::{parse_optional_money, parse_optional_text, Checks};
    let mut checks = Checks::default();
    let text = |raw: &str, min: usize, max: usize| {
        let value = parse_optional_text(raw, max)?;
        if value.chars().count() < min {
            Err(ErrorCode::Required)
        } else {
            Ok(value)
        }
    };
    let price = |raw: &str| {
        parse_optional_money(raw).and_then(|fen| {
            if fen.is_some_and(|f| f < 0) {
                Err(ErrorCode::InvalidAmount)
            } else {
                Ok(fen)
            }
        })
    };
    let code = checks.check("code", text(mapping.value(record, "code"), 1, 40));
    let name = checks.check("name", text(mapping.value(record, "name"), 1, 100));
    let category = checks.check("category", text(mapping.value(record, "category"), 0, 40));
    let unit = checks.check("unit", text(mapping.value(record, "unit"), 0, 10));
    let list_price_fen = checks.check("list_price", price(mapping.value(record, "list_price")));
    let cost_price_fen = checks.check("cost_price", price(mapping.value(record, "cost_price")));
    checks.into_result()?;
    Ok(ProductRow {
        code: code.unwrap_or_default(),
        name: name.unwrap_or_default(),
        category: category.unwrap_or_default(),
        unit: unit.unwrap_or_default(),
        list_price_fen: list_price_fen.flatten(),
        cost_price_fen: cost_price_fen.flatten(),
    })
}

/// Tracks the match keys seen so far in one file, so the second row with the same key is an
/// error that names the first (two rows would otherwise both write one record).
#[derive(Debug, Default)]
pub struct SeenKeys(std::collections::HashMap<String, u64>);

impl SeenKeys {
    /// `Err` with the earlier line when `key` was already seen; empty keys are never duplicates.
    pub fn check(&mut self, key: &str, line: u64) -> Result<(), ErrorCode> {
        if key.is_empty() {
            return Ok(());
        }
        match self.0.entry(key.to_string()) {
            std::collections::hash_map::Entry::Occupied(first) => {
                Err(ErrorCode::DuplicateInFile { line: *first.get() })
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(line);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn headers_in_chinese_and_english_are_recognised() {
        let guessed = guess_mapping(
            ImportKind::Customers,
            &headers(&[
                "客户名称",
                "联系电话",
                "所属行业",
                "省份",
                "Unknown",
                "负责人",
                "联系人",
                "手机",
            ]),
        );
        assert_eq!(
            guessed,
            [
                Some("name"),
                Some("phone"),
                Some("industry"),
                Some("province"),
                None,
                Some("owner"),
                Some("contact_name"),
                Some("contact_phone")
            ]
        );
        let guessed = guess_mapping(
            ImportKind::Customers,
            &headers(&[
                "\u{feff}Account",
                "Sector",
                "Year Established",
                "Employees",
                "Office_Location",
            ]),
        );
        assert_eq!(
            guessed,
            [
                Some("name"),
                Some("industry"),
                Some("founded"),
                Some("employees"),
                None
            ]
        );
        let guessed = guess_mapping(
            ImportKind::Products,
            &headers(&["StockCode", "Description", "UnitPrice", "单价(元)"]),
        );
        assert_eq!(
            guessed,
            [Some("code"), Some("name"), Some("list_price"), None],
            "a field is guessed once"
        );
    }

    #[test]
    fn mapping_choices_are_checked() {
        let choices = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mapping =
            Mapping::from_choices(ImportKind::Customers, &choices(&["name", "", "phone"]), 3)
                .unwrap();
        assert_eq!(
            mapping.value(&headers(&[" 华通 ", "x", "010"]), "name"),
            "华通"
        );
        assert_eq!(
            mapping.value(&headers(&["华通"]), "phone"),
            "",
            "a cut-off row reads as empty"
        );
        assert_eq!(mapping.widest(), 2);
        let errors = Mapping::from_choices(
            ImportKind::Customers,
            &choices(&["phone", "phone", "bogus"]),
            3,
        )
        .unwrap_err();
        assert_eq!(
            errors,
            [
                FieldError::new("map_1", ErrorCode::MappedTwice),
                FieldError::new("map_2", ErrorCode::UnknownChoice),
                FieldError::new("map_name", ErrorCode::Required)
            ]
        );
    }

    #[test]
    fn dates_as_spreadsheets_write_them() {
        let day = |y, m, d| Ok(chrono::NaiveDate::from_ymd_opt(y, m, d));
        assert_eq!(parse_import_date("2017-03-01"), day(2017, 3, 1));
        assert_eq!(parse_import_date("2010-12-01 08:26:00"), day(2010, 12, 1));
        assert_eq!(parse_import_date("2026/1/5"), day(2026, 1, 5));
        assert_eq!(parse_import_date("2026年1月5日"), day(2026, 1, 5));
        assert_eq!(parse_import_date(""), Ok(None));
        for bad in [
            "2026-02-30",
            "05/01/2026",
            "yesterday",
            "2026-1",
            "99-1-1",
            "2026-001-01",
        ] {
            assert_eq!(parse_import_date(bad), Err(ErrorCode::InvalidDate), "{bad}");
        }
    }

    #[test]
    fn product_rows() {
        let mapping = Mapping::from_choices(
            ImportKind::Products,
            &["code".into(), "name".into(), "list_price".into()],
            3,
        )
        .unwrap();
        let row = check_product(
            &mapping,
            &headers(&["85123A", "WHITE HANGING HEART", "2.55"]),
        )
        .unwrap();
        assert_eq!(
            (row.code.as_str(), row.list_price_fen, row.cost_price_fen),
            ("85123A", Some(255), None)
        );
        let errors = check_product(&mapping, &headers(&["", "x", "-1"])).unwrap_err();
        assert_eq!(
            errors,
            [
                FieldError::new("code", ErrorCode::Required),
                FieldError::new("list_price", ErrorCode::InvalidAmount)
            ]
        );
    }

    #[test]
    fn yes_and_no_as_people_type_them() {
        for yes in ["是", "Y", "yes", "TRUE", "1", "√"] {
            assert_eq!(parse_yes_no(yes), Ok(true), "{yes}");
        }
        for no in ["", " 否 ", "n", "False", "0"] {
            assert_eq!(parse_yes_no(no), Ok(false), "{no}");
        }
        assert_eq!(parse_yes_no("maybe"), Err(ErrorCode::UnknownChoice));
    }

    #[test]
    fn every_kind_finds_its_records_by_a_field_it_has() {
        for kind in ImportKind::ALL.iter().copied() {
            for by in kind.match_choices().iter().copied() {
                let field = kind.match_field(by).expect("a choice names a field");
                assert!(
                    kind.field(field).is_some(),
                    "{kind:?} matches by {field}, which it does not have"
                );
            }
            assert_eq!(
                kind.match_choices().is_empty(),
                kind.match_field(kind.default_match()).is_none(),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn a_repeated_key_names_its_first_line() {
        let mut seen = SeenKeys::default();
        assert_eq!(seen.check("C1", 2), Ok(()));
        assert_eq!(seen.check("", 3), Ok(()));
        assert_eq!(seen.check("", 4), Ok(()));
        assert_eq!(
            seen.check("C1", 5),
            Err(ErrorCode::DuplicateInFile { line: 2 })
        );
    }

    #[test]
    fn prices_with_more_decimals_than_fen() {
        assert_eq!(parse_micros("0.001"), Ok(1_000));
        assert_eq!(parse_micros("-11062.06"), Ok(-11_062_060_000));
        assert_eq!(parse_micros("2"), Ok(2_000_000));
        assert_eq!(parse_micros(".5"), Ok(500_000));
        for bad in ["", "-", "1.2345678", "1,5", "abc", "1e3", "1234567890123"] {
            assert_eq!(parse_micros(bad), Err(ErrorCode::InvalidAmount), "{bad}");
        }
        assert_eq!(line_fen(1, 1_000), 0, "0.001 rounds to nothing");
        assert_eq!(line_fen(5, 1_000), 1, "0.005 rounds half up to a fen");
        assert_eq!(line_fen(-3, 2_550_000), -765);
        assert_eq!(line_fen(12, 1_650_000), 1_980);
    }

    proptest! {
        /// Whole fen prices are exact: `line_fen` agrees with integer fen arithmetic.
        #[test]
        fn whole_fen_prices_are_exact(quantity in -100_000i64..100_000, fen in -10_000_000i64..10_000_000) {
            let text = format!("{}{}.{:02}", if fen < 0 { "-" } else { "" }, fen.abs() / 100, fen.abs() % 100);
            let micros = parse_micros(&text).unwrap();
            prop_assert_eq!(micros, fen * 10_000);
            prop_assert_eq!(line_fen(quantity, micros), quantity * fen);
        }

        /// Whatever the headers, a guess names each field at most once and only known fields.
        #[test]
        fn guesses_are_a_valid_mapping(names in proptest::collection::vec("[a-zA-Z客户名称电话_ ()]{0,12}", 0..12)) {
            for kind in ImportKind::ALL {
                let guessed = guess_mapping(*kind, &names);
                prop_assert_eq!(guessed.len(), names.len());
                let chosen: Vec<String> = guessed.iter().map(|g| g.unwrap_or("").to_string()).collect();
                let keys: Vec<&str> = guessed.iter().flatten().copied().collect();
                let mut unique = keys.clone();
                unique.sort();
                unique.dedup();
                prop_assert_eq!(unique.len(), keys.len());
                if let Err(errors) = Mapping::from_choices(*kind, &chosen, names.len()) {
                    prop_assert!(errors.iter().all(|e| e.code == ErrorCode::Required));
                }
            }
        }

        /// The date parser never panics, and what it accepts is a real date.
        #[test]
        fn dates_never_panic(raw in "\\PC{0,20}") {
            let _ = parse_import_date(&raw);
        }

        #[test]
        fn iso_dates_round_trip(days in 0i64..60_000) {
            let date = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Duration::days(days);
            prop_assert_eq!(parse_import_date(&date.format("%Y-%m-%d").to_string()), Ok(Some(date)));
            prop_assert_eq!(parse_import_date(&date.and_hms_opt(8, 26, 0).unwrap().format("%Y/%-m/%-d %H:%M").to_string()), Ok(Some(date)));
        }
    }
}
