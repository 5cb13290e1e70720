from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/phone/", views.phone_sign_in, name="phone_sign_in"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/contact/", views.contact, name="contact"),
    path("wechat/bind/", views.wechat_bind, name="wechat_bind"),
    path("wechat/callback/", views.wechat_callback, name="wechat_callback"),
    path("wechat/unbind/", views.wechat_unbind, name="wechat_unbind"),
    path("workbench/", views.workbench, name="workbench"),
    path("workbench/counts/", views.workbench_counts, name="workbench_counts"),
    path("tokens/revoke/", views.revoke_tokens, name="revoke_tokens"),
    path("join/", views.join, name="join"),
    path("link/", views.link_child, name="link_child"),
]
