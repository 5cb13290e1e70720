"""Writes on schools: imports, staff roles, venues, terms. Views and commands call these."""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent, RoleAssignment
from accounts.roles import Role
from accounts.scoping import scope_of
from accounts.services import audit_record, role_assign, role_end, staff_create
from shahe_afterschool.errors import ConflictError, DomainError

from . import imports
from .models import HomeroomClass, ImportBatch, School, Term, Venue
from .spreadsheets import class_key, file_hash, read_table


def can_administer(user, school: School) -> bool:
    """The school's principal, or a system administrator."""
    scope = scope_of(user)
    return scope.is_admin or school.pk in scope.schools_with(Role.PRINCIPAL)


def _require_school_admin(user, school: School) -> None:
    if not can_administer(user, school):
        raise PermissionDenied(_("Only the school's principal can do this."))


def _full_clean(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            field, messages = next(iter(exc.message_dict.items()))
            raise DomainError(messages[0], field=None if field == "__all__" else field) from exc
        raise DomainError(exc.messages[0]) from exc


# --- imports ------------------------------------------------------------------------------------------
def import_preview(*, school: School, user, kind: str, file_name: str, data: bytes,
                   create_classes: bool = False) -> ImportBatch:
    """Read and check an uploaded file; keep its normalised rows for the confirmation. Writes only
    the batch: nothing of the school changes until `import_apply`."""
    _require_school_admin(user, school)
    table = read_table(file_name, data)
    if kind == ImportBatch.Kind.ROSTER:
        rows, errors, new_classes = imports.roster_check(school=school, table=table, create_classes=create_classes)
        summary = imports.roster_plan(school=school, rows=rows).summary() if rows else {}
        summary["new_class_names"] = new_classes
    elif kind == ImportBatch.Kind.STAFF:
        rows, errors, _unused = imports.staff_check(school=school, table=table)
        summary = {"staff": len(rows)}
    else:
        raise DomainError(_("Unknown kind of import."))
    summary["rows"] = len(table.rows)
    return ImportBatch.objects.create(
        school=school, kind=kind, created_by=user, file_name=file_name[:255], file_hash=file_hash(data),
        options={"create_classes": create_classes}, rows=rows, errors=errors, summary=summary,
    )


def import_apply(*, batch_id: int, user) -> ImportBatch:
    """Write a previewed batch, all or nothing. Confirming twice writes once: the batch row is locked
    and its status checked inside the transaction."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update(of=("self",)).select_related("school").get(pk=batch_id)
        _require_school_admin(user, batch.school)
        if batch.status != ImportBatch.Status.PREVIEW:
            raise ConflictError(_("This file has already been imported or discarded."))
        if batch.errors:
            raise DomainError(_("The file has errors. Correct them and upload it again; nothing was imported."))
        reason = f"import #{batch.pk} {batch.file_name}"[:100]
        if batch.kind == ImportBatch.Kind.ROSTER:
            plan = imports.roster_plan(school=batch.school, rows=batch.rows)
            imports.roster_write(plan=plan, user=user, reason=reason)
            summary = plan.summary()
        else:
            summary = _staff_write(school=batch.school, rows=batch.rows, by=user)
        summary["new_class_names"] = batch.summary.get("new_class_names", [])
        summary["rows"] = batch.summary.get("rows", len(batch.rows))
        batch.status, batch.applied_at, batch.summary = ImportBatch.Status.APPLIED, timezone.now(), summary
        batch.save(update_fields=["status", "applied_at", "summary"])
        # Students' and guardians' personal data changed: one audit row for the whole import.
        audit_record(user=user, action=AuditEvent.Action.CHANGE, obj=batch,
                     detail=f"{batch.get_kind_display()} {batch.file_name}: "
                            f"{ {k: v for k, v in summary.items() if isinstance(v, int)} }")
    return batch


def import_discard(*, batch: ImportBatch, user) -> ImportBatch:
    _require_school_admin(user, batch.school)
    updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEW).update(
        status=ImportBatch.Status.DISCARDED
    )
    if not updated:
        raise ConflictError(_("This file has already been imported or discarded."))
    batch.refresh_from_db()
    return batch


def _staff_write(*, school: School, rows: list[dict], by) -> dict:
    classes = {class_key(c.name): c for c in HomeroomClass.objects.filter(school=school, active=True)}
    created = roles_added = 0
    for row in rows:
        user, is_new = staff_create(school=school, name=row["name"], phone=row["phone"], username=row["username"],
                                    by=by)
        created += int(is_new)
        for role in row["roles"]:
            roles_added += int(staff_role_add(school=school, user=user, role=role,
                                              homeroom_class=classes.get(row["class"]), by=by))
    return {"staff": len(rows), "accounts_new": created, "roles_added": roles_added}


# --- staff and roles --------------------------------------------------------------------------------
@transaction.atomic
def staff_role_add(*, school: School, user, role: str, homeroom_class: HomeroomClass | None = None, by) -> bool:
    """Give a member of staff a role at the school. A homeroom teacher also leads their class (and
    teaches). Returns whether anything changed."""
    _require_school_admin(by, school)
    if role not in imports.ASSIGNABLE_ROLES:
        raise DomainError(_("The principal cannot give this role."), field="role")
    before = RoleAssignment.objects.filter(user=user, role=role, school=school, active=True).exists()
    changed = False
    if role == Role.HOMEROOM:
        if homeroom_class is None or homeroom_class.school_id != school.pk:
            raise DomainError(_("Choose the class the homeroom teacher leads."), field="homeroom_class")
        if homeroom_class.homeroom_teacher_id != user.pk:
            homeroom_class.homeroom_teacher = user
            homeroom_class.save(update_fields=["homeroom_teacher"])
            changed = True
        if not RoleAssignment.objects.filter(user=user, role=Role.TEACHER, school=school, active=True).exists():
            role_assign(user=user, role=Role.TEACHER, school=school)
            changed = True
    if not before:
        role_assign(user=user, role=role, school=school)
        changed = True
    return changed


@transaction.atomic
def staff_role_end(*, school: School, assignment: RoleAssignment, by) -> RoleAssignment:
    """End a role. Ending the homeroom role also frees the classes the person led."""
    _require_school_admin(by, school)
    if assignment.school_id != school.pk or assignment.role not in imports.ASSIGNABLE_ROLES:
        raise DomainError(_("The principal cannot end this role."))
    if assignment.role == Role.HOMEROOM:
        for klass in HomeroomClass.objects.filter(school=school, homeroom_teacher=assignment.user):
            klass.homeroom_teacher = None
            klass.save(update_fields=["homeroom_teacher"])
    return role_end(assignment=assignment)


@transaction.atomic
def staff_deactivate(*, school: School, user, by) -> bool:
    """A school lets a member of staff go: their roles at this school end (a homeroom teacher's classes
    are freed). Only when the account has no link anywhere else is it deactivated too (sessions and
    tokens end, accounts.services.user_deactivate); never oneself. Returns whether the account was
    deactivated."""
    from accounts.selectors import account_links
    from accounts.services import user_deactivate

    _require_school_admin(by, school)
    if user.pk == by.pk:
        raise DomainError(_("You cannot deactivate your own account."))
    if user.is_superuser:
        raise DomainError(_("This person also works elsewhere; ask the system administrator."))
    for assignment in RoleAssignment.objects.filter(user=user, school=school, active=True):
        if assignment.role == Role.HOMEROOM:
            for klass in HomeroomClass.objects.filter(school=school, homeroom_teacher=user):
                klass.homeroom_teacher = None
                klass.save(update_fields=["homeroom_teacher"])
        role_end(assignment=assignment)
    audit_record(user=by, action=AuditEvent.Action.CHANGE, object_type="accounts.user", object_id=user.pk,
                 detail=f"roles at school {school.pk} ended")
    links = account_links(user)
    if links.school_ids or links.beyond_schools:
        return False
    user_deactivate(user=user)
    return True


# --- venues ---------------------------------------------------------------------------------------------
@transaction.atomic
def venue_save(*, school: School, by, venue: Venue | None = None, name: str, kind: str, capacity: int,
               active: bool = True) -> Venue:
    _require_school_admin(by, school)
    venue = venue or Venue(school=school)
    if venue.school_id != school.pk:
        raise DomainError(_("This venue belongs to another school."))
    venue.name, venue.kind, venue.capacity, venue.active = name.strip(), kind, capacity, active
    _full_clean(venue)
    venue.save()
    return venue


# --- terms ------------------------------------------------------------------------------------------------
@transaction.atomic
def term_save(*, by, term: Term | None = None, **values) -> Term:
    """The bureau sets the city's terms, their timetable switch dates and the policy values."""
    scope = scope_of(by)
    if not (scope.is_admin or scope.is_bureau):
        raise PermissionDenied(_("Only the education bureau sets terms."))
    term = term or Term()
    for key, value in values.items():
        setattr(term, key, value)
    _full_clean(term)
    term.save()
    return term


# --- guardians ------------------------------------------------------------------------------------------
@dataclass
class GuardianAdded:
    """What adding a guardian did. `link_code` is set when the phone's account also belongs to
    another school: nothing was linked, and the guardian links the child from their own account with
    this code (printed on the letter the child takes home). Staff learn nothing about the account."""

    user: object | None
    created: bool
    link_code: str = ""

    @property
    def linked(self) -> bool:
        return not self.link_code


@transaction.atomic
def guardian_add(*, school: School, student, name: str, phone: str, relation: str, by) -> GuardianAdded:
    """Link a guardian to a child, creating the parent account (username = phone, no password) when
    there is none with this phone. An account that has links at another school is never linked by a
    school's staff: a link code goes home with the child instead (accounts.services.link_code_issue),
    and the refusal is in the audit log for the bureau."""
    from django.contrib.auth import get_user_model

    from accounts.privacy import normalise_phone, validate_phone
    from accounts.selectors import account_links
    from accounts.services import link_code_issue

    from .models import Guardianship

    _require_school_admin(by, school)
    if student.school_id != school.pk:
        raise DomainError(_("This student belongs to another school."))
    if relation not in Guardianship.Relation.values:
        raise DomainError(_("Choose the relation."), field="relation")
    phone = normalise_phone(phone)
    try:
        validate_phone(phone)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="phone") from exc
    name = (name or "").strip()[:64]
    if not name:
        raise DomainError(_("The guardian's name is missing."), field="name")
    User = get_user_model()
    user = User.objects.filter(username=phone).first() or User.objects.filter(phone=phone).order_by("id").first()
    created = user is None
    if created:
        user = User(username=phone, phone=phone, name=name)
        user.set_unusable_password()
        user.save()
    elif not scope_of(by).is_admin and account_links(user).elsewhere_than(school):
        audit_record(user=by, action=AuditEvent.Action.REFUSED, object_type="accounts.user", object_id=user.pk,
                     detail=f"guardian link to student {student.pk} at school {school.pk} refused: the account "
                            "has links at another school; a link code was issued")
        code = link_code_issue(user=user, student=student, relation=relation, by=by, school=school)
        return GuardianAdded(user=None, created=False, link_code=code)
    role_assign(user=user, role=Role.PARENT)
    link, new = Guardianship.objects.get_or_create(guardian=user, student=student,
                                                   defaults={"relation": relation})
    if not new and (link.relation != relation or not link.active):
        link.relation, link.active = relation, True
        link.save(update_fields=["relation", "active"])
    return GuardianAdded(user=user, created=created)
