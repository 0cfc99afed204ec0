# دفتر — پیام‌های فارسی (ایران). شناسه‌ها: متن‌های رابط با خط تیره؛ کدهای خطای a.b.c به صورت a-b-c.

app-name = دفتر
footer-text = دفتر — دفاتر خدمات اتباع سازمان امور مهاجرین

## Navigation
nav-skip = رفتن به محتوا
nav-label = منوی اصلی
nav-language = زبان
nav-home = خانه
nav-persons = اشخاص
nav-users = کارکنان
nav-offices = دفاتر
nav-audit = گزارش ممیزی
nav-profile = حساب کاربری
nav-logout = خروج

## Roles
role-clerk = کارمند پذیرش
role-office_manager = مدیر دفتر
role-inspector = بازرس
role-authority_officer = کارشناس سازمان
role-partner = نهاد همکار
role-auditor = ممیز
role-system_admin = مدیر سامانه

## Login and second factor
login-title = ورود
login-username = نام کاربری
login-password = گذرواژه
login-submit = ورود
mfa-title = کد تأیید
mfa-intro = کد شش‌رقمی برنامهٔ احراز هویت خود را وارد کنید.
mfa-code = کد
mfa-submit = ادامه
reauth-title = تأیید هویت
reauth-intro = این کار حساس است. برای ادامه هویت خود را تأیید کنید.
totp-title = ورود دومرحله‌ای
totp-intro = رمزینهٔ QR را با برنامهٔ احراز هویت بخوانید (یا کلید را وارد کنید)، سپس کدی را که نشان می‌دهد بنویسید.
totp-secret = کلید
totp-confirm = فعال‌سازی
totp-enabled = ورود دومرحله‌ای فعال است.
totp-disable = غیرفعال کردن ورود دومرحله‌ای
totp-required = نقش شما ورود دومرحله‌ای را الزامی می‌کند. برای ادامه آن را راه‌اندازی کنید.

## Home
home-title = خانه
home-your-office = دفتر شما
home-persons-registered = نفر ثبت‌شده
home-open-audit = مشاهدهٔ گزارش ممیزی
home-manage-offices = مدیریت دفاتر
home-figures-title = شمار اشخاص ثبت‌شده در هر دفتر
home-figures-note = برای حفظ حریم خصوصی، شمارهای کمتر از ۵ نمایش داده نمی‌شوند.
home-persons = اشخاص
home-suppressed = کمتر از ۵

## Offices
offices-title = دفاتر
offices-empty = هنوز دفتری ثبت نشده است.
offices-create = افزودن دفتر
office-code = کد
office-name = نام
office-name-fa = نام (فارسی)
office-name-en = نام (انگلیسی)
office-province = استان
office-district = شهرستان
office-status = وضعیت
office-created = تاریخ ایجاد
office-status-active = فعال
office-status-suspended = تعلیق‌شده
office-status-closed = بسته‌شده

## Persons
persons-title = اشخاص
persons-empty = هنوز کسی در این دفتر ثبت نشده است.
persons-register = ثبت شخص
person-registry-no = شمارهٔ ثبت
person-given-name = نام
person-family-name = نام خانوادگی
person-father-name = نام پدر
person-birth-date = تاریخ تولد
person-birth-date-hint = خورشیدی (۱۳۸۰/۰۵/۱۲) یا میلادی (2001-08-03)
person-sex = جنسیت
person-nationality = تابعیت
person-registered = تاریخ ثبت
sex-female = زن
sex-male = مرد
sex-unknown = ثبت نشده
nationality-AFG = افغانستان
nationality-IRQ = عراق

## Lists
pager-label = صفحه‌ها
pager-prev = قبلی
pager-next = بعدی
pager-status = صفحهٔ { $page } از { $pages }، { $total } مورد

## Error page
error-title = خطایی رخ داد
error-code = کد خطا
error-back-home = بازگشت به خانه

## Errors
internal = خطای پیش‌بینی‌نشده‌ای رخ داد و ثبت شد؛ لطفاً دوباره تلاش کنید.
store-unavailable = پایگاه داده در دسترس نیست. لطفاً کمی بعد دوباره تلاش کنید.
route-not_found = این صفحه وجود ندارد.
route-method_not_allowed = این کار در اینجا مجاز نیست.
request-body-invalid = داده‌های ارسال‌شده خوانا نیست.
request-path-invalid = این نشانی معتبر نیست.
request-query-invalid = پارامترهای جست‌وجو معتبر نیست.
locale-unknown = این زبان پشتیبانی نمی‌شود.
auth-required = لطفاً وارد شوید.
auth-forbidden = شما اجازهٔ این کار را ندارید.
auth-csrf-invalid = مهلت فرم به پایان رسیده است. صفحه را دوباره بارگذاری کنید و دوباره تلاش کنید.
auth-login-invalid = نام کاربری یا گذرواژه نادرست است.
auth-login-locked = تلاش‌های ناموفق زیاد بود. حساب برای مدتی قفل شد؛ بعداً دوباره تلاش کنید.
auth-mfa-required = برای ادامه کد تأیید را وارد کنید.
auth-totp-invalid = کد نادرست است.
auth-totp-enrol_required = برای ادامه ورود دومرحله‌ای را راه‌اندازی کنید.
auth-totp-already_enabled = ورود دومرحله‌ای از پیش فعال است.
auth-totp-required_by_role = نقش شما ورود دومرحله‌ای را الزامی می‌کند و نمی‌توان آن را غیرفعال کرد.
auth-totp-secret_invalid = کلید معتبر نیست. از نو شروع کنید.
auth-reauth-invalid = گذرواژه نادرست است.
auth-step_up-required = برای ادامه هویت خود را تأیید کنید.
auth-step_up-session_only = این کار به ورود با حساب کاربری نیاز دارد، نه توکن API.
auth-token-invalid = توکن API وجود ندارد، نادرست است، منقضی یا باطل شده است.
office-none = حساب شما به هیچ دفتری تعلق ندارد.
office-scope-denied = شما به داده‌های دفتر دیگر دسترسی ندارید.
office-not_found = دفتر پیدا نشد.
office-id-invalid = شناسهٔ دفتر معتبر نیست.
office-code-invalid = کد دفتر باید ۲ تا ۱۶ حرف لاتین، رقم یا خط تیره باشد.
office-code-taken = دفتری با این کد وجود دارد.
office-field-invalid = همهٔ نام‌ها باید وارد شوند و حداکثر ۱۲۰ نویسه باشند.
office-status-invalid = وضعیت دفتر ناشناخته است.
user-not_found = کاربر پیدا نشد.
user-id-invalid = شناسهٔ کاربر معتبر نیست.
user-username-invalid = نام کاربری باید ۳ تا ۶۴ حرف کوچک لاتین، رقم، نقطه، خط تیره یا زیرخط باشد.
user-username-taken = این نام کاربری گرفته شده است.
user-display_name-invalid = نام نمایشی باید ۱ تا ۱۲۰ نویسه باشد.
user-password-weak = گذرواژه باید دست‌کم ۱۰ نویسه باشد و فقط از رقم تشکیل نشده باشد.
user-status-invalid = وضعیت حساب ناشناخته است.
user-office_required = این نقش باید به یک دفتر تعلق داشته باشد.
role-unknown = نقش ناشناخته است.
role-code-invalid = کد نقش معتبر نیست.
permission-unknown = مجوز ناشناخته است.
person-not_found = شخص پیدا نشد.
person-id-invalid = شناسهٔ شخص معتبر نیست.
person-given_name-invalid = نام الزامی است (حداکثر ۱۰۰ نویسه).
person-family_name-invalid = نام خانوادگی حداکثر ۱۰۰ نویسه است.
person-father_name-invalid = نام پدر الزامی است (حداکثر ۱۰۰ نویسه).
person-birth_date-invalid = تاریخ تولد معتبر نیست.
person-birth_date-future = تاریخ تولد نمی‌تواند در آینده باشد.
person-sex-invalid = مقدار جنسیت ناشناخته است.
person-nationality-invalid = تابعیت باید کد سه‌حرفی کشور باشد.
date-invalid = این تاریخ در تقویم وجود ندارد.
date-format-invalid = تاریخ را به صورت ۱۴۰۳/۰۵/۱۲ یا 2024-08-02 بنویسید.
session-id-invalid = شناسهٔ نشست معتبر نیست.
session-not_found = نشست پیدا نشد.
token-id-invalid = شناسهٔ توکن معتبر نیست.
token-not_found = توکن پیدا نشد.
token-name-invalid = نام توکن باید ۱ تا ۸۰ نویسه باشد.
token-scopes-empty = دست‌کم یک مجوز برای توکن انتخاب کنید.
token-scope-not_held = توکن نمی‌تواند مجوزی داشته باشد که شما ندارید.
token-expiry-invalid = مدت اعتبار باید ۱ تا ۳۶۵ روز باشد.
store-backup-exists = پروندهٔ پشتیبان از پیش وجود دارد.
store-backup-unavailable = پشتیبان‌گیری برای این پایگاه داده در دسترس نیست (pg_dump پیدا نشد).
store-backup-path_invalid = مسیر پروندهٔ پشتیبان معتبر نیست.
store-reference-invalid = این رکورد به چیزی اشاره می‌کند که وجود ندارد.

## Profile, staff, audit
profile-title = حساب کاربری
profile-save = ذخیره
profile-password = گذرواژه
profile-password-current = گذرواژهٔ کنونی
profile-password-new = گذرواژهٔ تازه
profile-password-repeat = تکرار گذرواژهٔ تازه
profile-password-change = تغییر گذرواژه
profile-password-current_wrong = گذرواژهٔ کنونی نادرست است.
profile-password-mismatch = دو گذرواژهٔ تازه یکسان نیستند.
profile-totp-off = ورود دومرحله‌ای خاموش است.
profile-totp-manage = راه‌اندازی یا مدیریت ورود دومرحله‌ای
profile-sessions = نشست‌های شما
profile-session-started = ورود
profile-session-last = آخرین فعالیت
profile-session-current = همین نشست
profile-session-live = فعال
profile-session-ended = پایان‌یافته
profile-revoke = باطل کردن
profile-tokens = توکن‌های API
profile-tokens-empty = توکن API ندارید.
profile-token-scopes = مجوزها
profile-token-expires = انقضا
profile-token-revoked = باطل‌شده
profile-token-new = توکن تازه
profile-token-stepup = ساختن توکن به تأیید هویت نیاز دارد.
profile-token-days = اعتبار (روز، ۱ تا ۳۶۵)
profile-token-create = ساختن توکن
profile-token-secret = توکن تازهٔ شما
profile-token-secret-once = اکنون آن را رونوشت کنید: فقط یک بار نشان داده می‌شود.
profile-done-locale = زبان شما ذخیره شد.
profile-done-password = گذرواژهٔ شما تغییر کرد و نشست‌های دیگرتان پایان یافت.
profile-done-session = نشست پایان یافت.
profile-done-token = فهرست توکن‌ها به‌روز شد.
users-title = کارکنان دفتر
users-empty = هنوز حساب کارمندی نیست.
users-display-name = نام نمایشی
users-role = نقش
users-create = افزودن کارمند
users-initial-password = گذرواژهٔ نخست
users-disable = غیرفعال کردن
users-enable = فعال کردن
users-reset-password = گذرواژهٔ تازه
users-password-reset = گذرواژهٔ تازهٔ { $name }:
users-password-once = آن را از راهی امن به کاربر بدهید؛ فقط یک بار نشان داده می‌شود و نشست‌هایش پایان یافت.
user-status-active = فعال
user-status-disabled = غیرفعال
user-role-not_assignable = شما نمی‌توانید این نقش را بدهید.
user-self_action = این کار را نمی‌توانید روی حساب خودتان انجام دهید.
audit-time = زمان
audit-actor = انجام‌دهنده
audit-office = دفتر
audit-action = کنش
audit-target = هدف
audit-purpose = منظور
audit-request = درخواست
audit-filter = پالایش
audit-verify = بررسی زنجیره
audit-empty = ردیفی یافت نشد.
audit-intact = زنجیرهٔ ممیزی سالم است: { $rows } ردیف.
audit-broken = زنجیرهٔ ممیزی در ردیف { $row } شکسته است ({ $reason }).
audit-reason-edited = ویرایش‌شده
audit-reason-deleted = حذف‌شده
audit-reason-relinked = پیوند دگرگون‌شده
audit-reason-truncated = ردیف‌های پایانی حذف‌شده
profile-session-device = مرورگر

## Duplicate check
candidates-title = مورد تکراری احتمالی
candidates-intro = این اشخاص ثبت‌شده به کسی که ثبت می‌کنید شبیه‌اند. اگر همان شخص است، او را باز کنید؛ فقط اگر کس دیگری است، ثبت کنید.
candidates-agree = فیلدهای هم‌خوان
candidates-swapped = جابه‌جایی نام‌ها
candidates-elsewhere = { $count } مورد احتمالی در دفترهای دیگر (جزئیات نزد همان دفترها می‌ماند).
candidates-register-anyway = شخص دیگری است: ثبت کن
candidates-cancel = انصراف
