from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.views import i18n

from . import lockout
from .locale import language_save


class LoginForm(AuthenticationForm):
    # The page's own words for a refused sign-in, shown in its error summary; the summary's
    # link goes to the user name (the error belongs to the pair, not to one field).
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Nama pengguna atau kata sandi salah. Periksa keduanya lalu coba lagi."),
    }
    non_field_errors_at = "id_username"


class LoginView(auth_views.LoginView):
    """Django's login, with a warning when one more wrong password locks the sign-in."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        # django-axes has recorded this failure by now (user_login_failed).
        tries_left = lockout.failures(
            self.request, {"username": form.data.get("username", "")}
        ).tries_left
        return self.render_to_response(self.get_context_data(form=form, tries_left=tries_left))


@login_not_required  # the login page has the switch too
def set_language(request):
    """Django's language switch (the cookie, the redirect back), and for a signed-in user the
    choice kept on the account, so it follows them to their next session and device."""
    response = i18n.set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        language_save(request.user, request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER, ""))
    return response
