from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Assignment, Sector, User


class AssignmentInline(admin.TabularInline):
    model = Assignment
    fields = ("role", "region", "sector")
    autocomplete_fields = ("region",)
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [AssignmentInline]
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff")


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request, obj=None):
        # Codes are referenced by assignments, the catalogue and the scoring policy.
        return ("code",) if obj else ()
