# daftar — English messages. Ids: UI texts use dashes; error codes `a.b.c` appear as `a-b-c`.

app-name = daftar
footer-text = daftar — service offices of the migration authority

## Navigation
nav-skip = Skip to content
nav-label = Main navigation
nav-language = Language
nav-home = Home
nav-persons = Persons
nav-users = Staff
nav-offices = Offices
nav-audit = Audit log
nav-profile = Profile
nav-logout = Sign out

## Roles
role-clerk = Clerk
role-office_manager = Office manager
role-inspector = Inspector
role-authority_officer = Authority officer
role-partner = Partner service
role-auditor = Auditor
role-system_admin = System administrator

## Login and second factor
login-title = Sign in
login-username = Username
login-password = Password
login-submit = Sign in
mfa-title = Verification code
mfa-intro = Enter the 6-digit code from your authenticator app.
mfa-code = Code
mfa-submit = Continue
reauth-title = Confirm it is you
reauth-intro = This action is sensitive. Confirm your identity to continue.
totp-title = Two-step verification
totp-intro = Scan the QR code with an authenticator app (or type the key), then enter the code it shows.
totp-secret = Key
totp-confirm = Turn on
totp-enabled = Two-step verification is on.
totp-disable = Turn off two-step verification
totp-required = Your role requires two-step verification. Set it up to continue.

## Home
home-title = Home
home-your-office = Your office
home-persons-registered = persons registered
home-open-audit = Open the audit log
home-manage-offices = Manage offices
home-figures-title = Persons registered per office
home-figures-note = Counts below 5 are not shown, to protect privacy.
home-persons = Persons
home-suppressed = fewer than 5

## Offices
offices-title = Offices
offices-empty = There are no offices yet.
offices-create = Add an office
office-code = Code
office-name = Name
office-name-fa = Name (Persian)
office-name-en = Name (English)
office-province = Province
office-district = District
office-status = Status
office-created = Created
office-status-active = Active
office-status-suspended = Suspended
office-status-closed = Closed

## Persons
persons-title = Persons
persons-empty = No persons are registered at this office yet.
persons-register = Register a person
person-registry-no = Registry no.
person-given-name = Given name
person-family-name = Family name
person-father-name = Father's name
person-birth-date = Birth date
person-birth-date-hint = Solar Hijri (1380/05/12) or Gregorian (2001-08-03)
person-sex = Sex
person-nationality = Nationality
person-registered = Registered
sex-female = Female
sex-male = Male
sex-unknown = Not recorded
nationality-AFG = Afghanistan
nationality-IRQ = Iraq

## Lists
pager-label = Pages
pager-prev = Previous
pager-next = Next
pager-status = Page { $page } of { $pages } · { $total } items

## Error page
error-title = Something went wrong
error-code = Error code
error-back-home = Back to the home page

## Errors (code a.b.c → id a-b-c)
internal = An unexpected error occurred. It has been logged; please try again.
store-unavailable = The database is not available right now. Please try again shortly.
route-not_found = This page does not exist.
route-method_not_allowed = This action is not allowed here.
request-body-invalid = The submitted data could not be read.
request-path-invalid = This address is not valid.
request-query-invalid = The query parameters are not valid.
locale-unknown = This language is not supported.
auth-required = Please sign in.
auth-forbidden = You do not have permission to do this.
auth-csrf-invalid = The form has expired. Reload the page and try again.
auth-login-invalid = Wrong username or password.
auth-login-locked = Too many failed attempts. The account is locked for a while; try again later.
auth-mfa-required = Enter your verification code to continue.
auth-totp-invalid = The code is not correct.
auth-totp-enrol_required = Set up two-step verification to continue.
auth-totp-already_enabled = Two-step verification is already on.
auth-totp-required_by_role = Your role requires two-step verification; it cannot be turned off.
auth-totp-secret_invalid = The key is not valid. Start again.
auth-reauth-invalid = The password is not correct.
auth-step_up-required = Confirm your identity to continue.
auth-step_up-session_only = This action needs a signed-in session, not an API token.
auth-token-invalid = The API token is missing, wrong, expired or revoked.
office-none = Your account does not belong to an office.
office-scope-denied = You cannot access another office's data.
office-not_found = Office not found.
office-id-invalid = The office id is not valid.
office-code-invalid = The office code must be 2–16 letters, digits or dashes.
office-code-taken = An office with this code already exists.
office-field-invalid = Every name must be given, at most 120 characters.
office-status-invalid = Unknown office status.
user-not_found = User not found.
user-id-invalid = The user id is not valid.
user-username-invalid = The username must be 3–64 lowercase letters, digits, dots, dashes or underscores.
user-username-taken = This username is already taken.
user-display_name-invalid = The display name must be 1–120 characters.
user-password-weak = The password must be at least 10 characters and not only digits.
user-status-invalid = Unknown account status.
user-office_required = This role requires an office.
role-unknown = Unknown role.
role-code-invalid = The role code is not valid.
permission-unknown = Unknown permission.
person-not_found = Person not found.
person-id-invalid = The person id is not valid.
person-given_name-invalid = The given name is required (at most 100 characters).
person-family_name-invalid = The family name may be at most 100 characters.
person-father_name-invalid = The father's name is required (at most 100 characters).
person-birth_date-invalid = The birth date is not a valid date.
person-birth_date-future = The birth date cannot be in the future.
person-sex-invalid = Unknown value for sex.
person-nationality-invalid = Nationality must be a 3-letter country code.
date-invalid = This date does not exist in the calendar.
date-format-invalid = Write the date as 1403/05/12 or 2024-08-02.
session-id-invalid = The session id is not valid.
session-not_found = Session not found.
token-id-invalid = The token id is not valid.
token-not_found = Token not found.
token-name-invalid = The token name must be 1–80 characters.
token-scopes-empty = Choose at least one permission for the token.
token-scope-not_held = A token cannot have a permission you do not hold.
token-expiry-invalid = The lifetime must be 1 to 365 days.
store-backup-exists = The backup file already exists.
store-backup-unavailable = Backup is not available for this database (pg_dump not found).
store-backup-path_invalid = The backup path is not valid text.
store-reference-invalid = The record refers to something that does not exist.

## Profile, staff, audit
profile-title = Profile
profile-save = Save
profile-password = Password
profile-password-current = Current password
profile-password-new = New password
profile-password-repeat = Repeat the new password
profile-password-change = Change password
profile-password-current_wrong = The current password is not correct.
profile-password-mismatch = The two new passwords differ.
profile-totp-off = Two-step verification is off.
profile-totp-manage = Set up or manage two-step verification
profile-sessions = Your sessions
profile-session-started = Signed in
profile-session-last = Last activity
profile-session-current = This session
profile-session-live = Active
profile-session-ended = Ended
profile-revoke = Revoke
profile-tokens = API tokens
profile-tokens-empty = You have no API tokens.
profile-token-scopes = Permissions
profile-token-expires = Expires
profile-token-revoked = Revoked
profile-token-new = New token
profile-token-stepup = Creating a token asks you to confirm your identity.
profile-token-days = Valid for (days, 1–365)
profile-token-create = Create token
profile-token-secret = Your new token
profile-token-secret-once = Copy it now: it is shown only once.
profile-done-locale = Your language is saved.
profile-done-password = Your password is changed; your other sessions were ended.
profile-done-session = The session was ended.
profile-done-token = The token list was updated.
users-title = Staff of the office
users-empty = No staff accounts yet.
users-display-name = Display name
users-role = Role
users-create = Add staff member
users-initial-password = Initial password
users-disable = Disable
users-enable = Enable
users-reset-password = New password
users-password-reset = New password for { $name }:
users-password-once = Give it to the person over a safe channel; it is shown only once and their sessions were ended.
user-status-active = Active
user-status-disabled = Disabled
user-role-not_assignable = You cannot give this role.
user-self_action = You cannot do this to your own account.
audit-time = Time
audit-actor = Actor
audit-office = Office
audit-action = Action
audit-target = Target
audit-purpose = Purpose
audit-request = Request
audit-filter = Filter
audit-verify = Verify the chain
audit-empty = No audit rows match.
audit-intact = The audit chain is intact: { $rows } rows.
audit-broken = The audit chain is broken at row { $row } ({ $reason }).
audit-reason-edited = edited
audit-reason-deleted = deleted
audit-reason-relinked = relinked
audit-reason-truncated = last rows removed
profile-session-device = Browser

## Duplicate check
candidates-title = Possible duplicates
candidates-intro = These registered persons look like the one you are registering. Open one if it is the same person; register anyway only if it is someone else.
candidates-agree = Agreeing fields
candidates-swapped = names swapped
candidates-elsewhere = { $count } possible match(es) in other offices (details stay with those offices).
candidates-register-anyway = It is someone else: register
candidates-cancel = Cancel
