-- Latest version of each Salesforce Contact; contacts whose latest version is a deletion are dropped.
with

latest as (
    {{ latest_version(source('crm', 'contacts'), key='"Id"', updated_at=to_utc('"LastModifiedDate"')) }}
)

select
    cast("Id" as varchar) as contact_id,
    -- Salesforce's 15-character, case-sensitive form of the id (Qualtrics sometimes carries it).
    left(cast("Id" as varchar), 15) as contact_id_15,
    nullif(trim(cast("FirstName" as varchar)), '') as first_name,
    nullif(trim(cast("LastName" as varchar)), '') as last_name,
    nullif(trim(cast("Email" as varchar)), '') as email,
    nullif(trim(cast("Phone" as varchar)), '') as phone,
    nullif(trim(cast("MobilePhone" as varchar)), '') as mobile_phone,
    nullif(trim(cast("MailingStreet" as varchar)), '') as mailing_street,
    nullif(trim(cast("MailingCity" as varchar)), '') as mailing_city,
    nullif(trim(cast("MailingState" as varchar)), '') as mailing_state,
    nullif(trim(cast("MailingPostalCode" as varchar)), '') as mailing_postal_code,
    nullif(trim(cast("MailingCountry" as varchar)), '') as mailing_country,
    try_cast("Birthdate" as date) as birth_date,
    lower(cast("HasOptedOutOfEmail" as varchar)) = 'true' as has_opted_out_of_email,
    nullif(cast("LoyaltyTier__c" as varchar), '') as loyalty_tier,
    nullif(trim(cast("Shop_Customer_Id__c" as varchar)), '') as shop_customer_id,
    {{ to_utc('"CreatedDate"') }} as created_at,
    {{ to_utc('"LastModifiedDate"') }} as updated_at,
    _source_file,
    _delivery_date
from latest
where lower(cast("IsDeleted" as varchar)) <> 'true'
