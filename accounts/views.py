from django.contrib.auth import views as auth_views

from . import lockout


class LoginView(auth_views.LoginView):
    """Django's login, with a warning when one more wrong password locks the sign-in."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        # django-axes has recorded this failure by now (user_login_failed).
        tries_left = lockout.failures(
            self.request, {"username": form.data.get("username", "")}
        ).tries_left
        return self.render_to_response(self.get_context_data(form=form, tries_left=tries_left))
