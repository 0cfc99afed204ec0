# دفتر — پښتو پیغامونه. پېژندنې: د انټرفېس متنونه په ډش؛ د تېروتنې کوډونه a.b.c د a-b-c په بڼه.

app-name = دفتر
footer-text = دفتر — د مهاجرینو ادارې د خدمتونو دفترونه

## Navigation
nav-skip = منځپانګې ته ورشئ
nav-label = اصلي مینو
nav-language = ژبه
nav-home = کور
nav-persons = اشخاص
nav-users = کارکوونکي
nav-offices = دفترونه
nav-audit = د پلټنې راپور
nav-profile = زما حساب
nav-logout = وتل

## Roles
role-clerk = د منلو کارکوونکی
role-office_manager = د دفتر مدیر
role-inspector = څارونکی
role-authority_officer = د ادارې کارپوه
role-partner = همکار بنسټ
role-auditor = پلټونکی
role-system_admin = د سیسټم مدیر

## Login and second factor
login-title = ننوتل
login-username = کارن نوم
login-password = پټنوم
login-submit = ننوتل
mfa-title = د تایید کوډ
mfa-intro = د خپل تصدیق اپلیکیشن شپږ عددي کوډ ولیکئ.
mfa-code = کوډ
mfa-submit = دوام
reauth-title = خپل هویت تایید کړئ
reauth-intro = دا کار حساس دی. د دوام لپاره خپل هویت تایید کړئ.
totp-title = دوه پړاوه ننوتل
totp-intro = QR کوډ د تصدیق اپلیکیشن سره ولولئ (یا کیلي ولیکئ)، بیا هغه کوډ ولیکئ چې ښيي یې.
totp-secret = کیلي
totp-confirm = فعالول
totp-enabled = دوه پړاوه ننوتل فعال دی.
totp-disable = دوه پړاوه ننوتل غیرفعالول
totp-required = ستاسو رول دوه پړاوه ننوتل اړین بولي. د دوام لپاره یې جوړ کړئ.

## Home
home-title = کور
home-your-office = ستاسو دفتر
home-persons-registered = ثبت شوي کسان
home-open-audit = د پلټنې راپور پرانیستل
home-manage-offices = د دفترونو اداره
home-figures-title = په هر دفتر کې د ثبت شویو کسانو شمېر
home-figures-note = د محرمیت د ساتنې لپاره له ۵ څخه کم شمېرونه نه ښودل کېږي.
home-persons = اشخاص
home-suppressed = له ۵ څخه کم

## Offices
offices-title = دفترونه
offices-empty = تر اوسه هېڅ دفتر نشته.
offices-create = دفتر اضافه کول
office-code = کوډ
office-name = نوم
office-name-fa = نوم (فارسي)
office-name-en = نوم (انګلیسي)
office-province = ولایت
office-district = ولسوالي
office-status = حالت
office-created = د جوړېدو نېټه
office-status-active = فعال
office-status-suspended = ځنډول شوی
office-status-closed = تړل شوی

## Persons
persons-title = اشخاص
persons-empty = په دې دفتر کې تر اوسه هېڅوک نه دي ثبت شوي.
persons-register = د شخص ثبتول
person-registry-no = د ثبت شمېره
person-given-name = نوم
person-family-name = تخلص
person-father-name = د پلار نوم
person-birth-date = د زېږېدو نېټه
person-birth-date-hint = لمریز (۱۳۸۰/۰۵/۱۲) یا میلادي (2001-08-03)
person-sex = جنس
person-nationality = تابعیت
person-registered = د ثبت نېټه
sex-female = ښځه
sex-male = نارینه
sex-unknown = نه دی ثبت شوی
nationality-AFG = افغانستان
nationality-IRQ = عراق

## Lists
pager-label = مخونه
pager-prev = مخکنی
pager-next = بل
pager-status = { $page } مخ له { $pages }، { $total } توکي

## Error page
error-title = یوه ستونزه رامنځته شوه
error-code = د تېروتنې کوډ
error-back-home = کور ته ستنېدل

## Errors (code a.b.c → id a-b-c)
internal = یوه ناڅاپي تېروتنه وشوه او ثبت شوه؛ مهرباني وکړئ بیا هڅه وکړئ.
store-unavailable = ډېټابېس اوس د لاسرسي وړ نه دی. لږ وروسته بیا هڅه وکړئ.
route-not_found = دا مخ شتون نه لري.
route-method_not_allowed = دا کار دلته اجازه نه لري.
request-body-invalid = لېږل شوي معلومات نه لوستل کېږي.
request-path-invalid = دا پته سمه نه ده.
request-query-invalid = د لټون پارامترونه سم نه دي.
locale-unknown = دا ژبه نه ملاتړ کېږي.
auth-required = مهرباني وکړئ ننوځئ.
auth-forbidden = تاسو د دې کار اجازه نه لرئ.
auth-csrf-invalid = د فورمې وخت پای ته رسېدلی. مخ بیا پورته کړئ او بیا هڅه وکړئ.
auth-login-invalid = کارن نوم یا پټنوم ناسم دی.
auth-login-locked = ډېرې ناکامې هڅې وشوې. حساب د یو څه وخت لپاره بند شو؛ وروسته بیا هڅه وکړئ.
auth-mfa-required = د دوام لپاره د تایید کوډ ولیکئ.
auth-totp-invalid = کوډ ناسم دی.
auth-totp-enrol_required = د دوام لپاره دوه پړاوه ننوتل جوړ کړئ.
auth-totp-already_enabled = دوه پړاوه ننوتل دمخه فعال دی.
auth-totp-required_by_role = ستاسو رول دوه پړاوه ننوتل اړین بولي؛ نه شي غیرفعالېدای.
auth-totp-secret_invalid = کیلي سمه نه ده. له سره پیل وکړئ.
auth-reauth-invalid = پټنوم ناسم دی.
auth-step_up-required = د دوام لپاره خپل هویت تایید کړئ.
auth-step_up-session_only = دې کار ته د حساب سره ننوتل اړین دي، نه د API ټوکن.
auth-token-invalid = د API ټوکن نشته، ناسم دی، پای ته رسېدلی یا لغوه شوی دی.
office-none = ستاسو حساب له هېڅ دفتر سره تړاو نه لري.
office-scope-denied = تاسو د بل دفتر معلوماتو ته لاسرسی نه لرئ.
office-not_found = دفتر ونه موندل شو.
office-id-invalid = د دفتر پېژندنه سمه نه ده.
office-code-invalid = د دفتر کوډ باید له ۲ تر ۱۶ لاتیني تورو، عددونو یا ډش څخه وي.
office-code-taken = په دې کوډ یو دفتر دمخه شته.
office-field-invalid = ټول نومونه باید ولیکل شي او تر ۱۲۰ توریو زیات نه وي.
office-status-invalid = د دفتر حالت نامعلوم دی.
user-not_found = کارن ونه موندل شو.
user-id-invalid = د کارن پېژندنه سمه نه ده.
user-username-invalid = کارن نوم باید له ۳ تر ۶۴ کوچنیو لاتیني تورو، عددونو، ټکو، ډش یا لاندې کرښې څخه وي.
user-username-taken = دا کارن نوم دمخه نیول شوی.
user-display_name-invalid = ښکاره نوم باید له ۱ تر ۱۲۰ توریو وي.
user-password-weak = پټنوم باید لږ تر لږه ۱۰ توري وي او یوازې له عددونو جوړ نه وي.
user-status-invalid = د حساب حالت نامعلوم دی.
user-office_required = دا رول باید له یو دفتر سره تړاو ولري.
role-unknown = رول نامعلوم دی.
role-code-invalid = د رول کوډ سم نه دی.
permission-unknown = اجازه نامعلومه ده.
person-not_found = شخص ونه موندل شو.
person-id-invalid = د شخص پېژندنه سمه نه ده.
person-given_name-invalid = نوم اړین دی (تر ۱۰۰ توریو پورې).
person-family_name-invalid = تخلص تر ۱۰۰ توریو پورې کېدای شي.
person-father_name-invalid = د پلار نوم اړین دی (تر ۱۰۰ توریو پورې).
person-birth_date-invalid = د زېږېدو نېټه سمه نه ده.
person-birth_date-future = د زېږېدو نېټه په راتلونکي کې نه شي کېدای.
person-sex-invalid = د جنس ارزښت نامعلوم دی.
person-nationality-invalid = تابعیت باید د هېواد درې توریز کوډ وي.
date-invalid = دا نېټه په جنتري کې نشته.
date-format-invalid = نېټه داسې ولیکئ: ۱۴۰۳/۰۵/۱۲ یا 2024-08-02.
session-id-invalid = د ناستې پېژندنه سمه نه ده.
session-not_found = ناسته ونه موندل شوه.
token-id-invalid = د ټوکن پېژندنه سمه نه ده.
token-not_found = ټوکن ونه موندل شو.
token-name-invalid = د ټوکن نوم باید له ۱ تر ۸۰ توریو وي.
token-scopes-empty = د ټوکن لپاره لږ تر لږه یوه اجازه وټاکئ.
token-scope-not_held = ټوکن نه شي کولای هغه اجازه ولري چې تاسو یې نه لرئ.
token-expiry-invalid = د اعتبار موده باید له ۱ تر ۳۶۵ ورځو وي.
store-backup-exists = د بیک اپ فایل دمخه شته.
store-backup-unavailable = د دې ډېټابېس لپاره بیک اپ شتون نه لري (pg_dump ونه موندل شو).
store-backup-path_invalid = د بیک اپ لار سمه نه ده.
store-reference-invalid = دا ریکارډ هغه شي ته اشاره کوي چې شتون نه لري.

## Profile, staff, audit
profile-title = زما حساب
profile-save = ساتل
profile-password = پټنوم
profile-password-current = اوسنی پټنوم
profile-password-new = نوی پټنوم
profile-password-repeat = نوی پټنوم بیا ولیکئ
profile-password-change = پټنوم بدلول
profile-password-current_wrong = اوسنی پټنوم ناسم دی.
profile-password-mismatch = دواړه نوي پټنومونه سره توپیر لري.
profile-totp-off = دوه پړاوه ننوتل بند دی.
profile-totp-manage = دوه پړاوه ننوتل جوړول یا اداره کول
profile-sessions = ستاسو ناستې
profile-session-started = ننوتل
profile-session-last = وروستی فعالیت
profile-session-current = همدا ناسته
profile-session-live = فعاله
profile-session-ended = پای ته رسېدلې
profile-revoke = لغوه کول
profile-tokens = د API ټوکنونه
profile-tokens-empty = تاسو د API ټوکن نه لرئ.
profile-token-scopes = اجازې
profile-token-expires = پای ته رسېږي
profile-token-revoked = لغوه شوی
profile-token-new = نوی ټوکن
profile-token-stepup = د ټوکن جوړول د هویت تایید غواړي.
profile-token-days = اعتبار (ورځې، ۱ تر ۳۶۵)
profile-token-create = ټوکن جوړول
profile-token-secret = ستاسو نوی ټوکن
profile-token-secret-once = اوس یې کاپي کړئ: یوازې یو ځل ښودل کېږي.
profile-done-locale = ستاسو ژبه وساتل شوه.
profile-done-password = ستاسو پټنوم بدل شو او نورې ناستې مو پای ته ورسېدې.
profile-done-session = ناسته پای ته ورسېده.
profile-done-token = د ټوکنونو لړلیک تازه شو.
users-title = د دفتر کارکوونکي
users-empty = تر اوسه د کارکوونکو حساب نشته.
users-display-name = ښکاره نوم
users-role = رول
users-create = کارکوونکی اضافه کول
users-initial-password = لومړنی پټنوم
users-disable = غیرفعالول
users-enable = فعالول
users-reset-password = نوی پټنوم
users-password-reset = د { $name } نوی پټنوم:
users-password-once = په خوندي لاره یې کارن ته ورکړئ؛ یوازې یو ځل ښودل کېږي او ناستې یې پای ته ورسېدې.
user-status-active = فعال
user-status-disabled = غیرفعال
user-role-not_assignable = تاسو دا رول نه شئ ورکولای.
user-self_action = دا کار په خپل حساب نه شئ کولای.
audit-time = وخت
audit-actor = کوونکی
audit-office = دفتر
audit-action = کړنه
audit-target = موخه
audit-purpose = موخه
audit-request = غوښتنه
audit-filter = چاڼ
audit-verify = د ځنځیر تایید
audit-empty = هېڅ قطار ونه موندل شو.
audit-intact = د پلټنې ځنځیر روغ دی: { $rows } قطارونه.
audit-broken = د پلټنې ځنځیر په { $row } قطار کې مات دی ({ $reason }).
audit-reason-edited = بدل شوی
audit-reason-deleted = ړنګ شوی
audit-reason-relinked = اړیکه بدله شوې
audit-reason-truncated = وروستي قطارونه لرې شوي
profile-session-device = براوزر

## Duplicate check
candidates-title = احتمالي تکراري
candidates-intro = دا ثبت شوي کسان هغه چا ته ورته دي چې تاسو یې ثبتوئ. که هماغه کس وي، پرانیزئ یې؛ یوازې که بل څوک وي، ثبت یې کړئ.
candidates-agree = برابر ساحې
candidates-swapped = نومونه بدل شوي
candidates-elsewhere = په نورو دفترونو کې { $count } احتمالي مورد (جزئیات له هماغو دفترونو سره پاتې کېږي).
candidates-register-anyway = بل څوک دی: ثبت یې کړه
candidates-cancel = لغوه
